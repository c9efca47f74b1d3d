"""Education: school improvement, assessment, capacity and student retention."""

from __future__ import annotations

from selforg.tasks.domain import (
    CostItem,
    Deliverable,
    Domain,
    Fact,
    Option,
    Organisation,
    Stakeholder,
)

DOMAIN = Domain(
    name="education",
    organisations=(
        Organisation("Hillcrest Academy Trust", "a trust running 12 secondary schools"),
        Organisation("Northbridge College", "a college with 9,000 part-time students"),
        Organisation("Pinewood School District", "a rural district with 30 schools"),
        Organisation("Lakeside University", "a university with 25,000 students"),
        Organisation("BrightPath Online", "an online tutoring company"),
    ),
    systems=(
        "the Moodle learning platform",
        "the student information system",
        "the exam timetable",
        "the school bus routes",
        "the admissions process",
        "the teacher timetabling tool",
    ),
    facts=(
        Fact("{n}% of students reach the expected level in maths", 35, 80),
        Fact("{n} teaching posts are vacant", 5, 60),
        Fact("attendance averages {n}%", 82, 96),
        Fact("{n}% of first-year students drop out", 5, 25),
        Fact("classes average {n} pupils", 22, 36),
    ),
    triggers=(
        "after inspectors rated teaching as requiring improvement",
        "ahead of a new national curriculum",
        "because student numbers will rise 15% in three years",
        "after widespread use of AI for homework came to light",
        "since funding per pupil was cut",
    ),
    constraints=(
        "teachers' contracted hours cannot increase",
        "the school calendar is fixed",
        "special-needs provision must be protected",
        "the capital budget is $2 million",
        "parents must be consulted on any change",
    ),
    actions=(
        "analyse results by student group",
        "review the timetable for clashes",
        "design tutoring for weak readers",
        "set rules for AI in coursework",
        "train teachers in formative assessment",
        "survey parents about communication",
        "plan transport for rural pupils",
        "track attendance weekly",
        "review the admissions criteria",
        "redesign the first-year induction",
    ),
    deliverables=(
        Deliverable("School improvement plan", "a one-year improvement plan with termly targets"),
        Deliverable("Assessment policy", "an assessment policy that handles AI tools fairly"),
        Deliverable("Places and staffing plan", "a places and staffing plan for rising numbers"),
        Deliverable("Retention strategy", "a first-year student retention strategy"),
        Deliverable("Digital learning plan", "a digital learning plan with devices and training"),
    ),
    stakeholders=(
        Stakeholder(
            "Headteacher",
            "wants smaller classes in exam years",
            "which senior teachers plan to leave",
            "quality",
        ),
        Stakeholder(
            "Parent Council Chair",
            "opposes any change to the school day",
            "how many parents back the petition",
            "community",
        ),
        Stakeholder(
            "Teachers' Union Rep",
            "refuses any extra marking or meetings",
            "a grievance being prepared on workload",
            "labour",
        ),
        Stakeholder(
            "Trust Finance Officer",
            "wants a balanced budget this year",
            "the size of an expected funding clawback",
            "cost",
        ),
    ),
    cost_items=(
        CostItem("tutoring", "tutor-hours", (25, 60), (200, 4000)),
        CostItem("student laptops", "laptops", (250, 600), (50, 1500)),
        CostItem("teacher training", "training days", (300, 800), (10, 120)),
        CostItem("school transport", "bus-days", (200, 500), (100, 1000)),
        CostItem("exam fees", "entries", (40, 90), (200, 3000)),
    ),
    options=(
        Option("Small-group maths tutoring", (40, 120), (15, 35)),
        Option("One laptop per student", (150, 400), (20, 50)),
        Option("Teacher coaching programme", (50, 140), (15, 35)),
        Option("Attendance officer team", (60, 150), (12, 30)),
        Option("Reading recovery library", (20, 70), (8, 22)),
        Option("New science labs", (200, 450), (25, 55)),
    ),
    activities=(
        "review pupil data",
        "set improvement priorities",
        "design the interventions",
        "train the staff",
        "run a pilot term",
        "evaluate the results",
        "scale across schools",
    ),
)
