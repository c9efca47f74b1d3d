"""HR: retention, pay, workforce planning and ways of working."""

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
    name="HR",
    organisations=(
        Organisation("Juniper Care Homes", "a care-home operator with 4,500 staff"),
        Organisation("Vector Robotics", "a robotics firm hiring 300 engineers"),
        Organisation("Marlow Retail Group", "a fashion retailer with 220 stores"),
        Organisation("Tidewater Contact Centres", "an outsourced call-centre provider"),
        Organisation("Summit Consulting", "a consultancy with 2,000 consultants in 9 countries"),
    ),
    systems=(
        "the Workday HR platform",
        "the applicant tracking system",
        "the payroll engine",
        "the annual performance review cycle",
        "the learning management system",
        "the shift rostering tool",
    ),
    facts=(
        Fact("annual staff turnover is {n}%", 12, 45),
        Fact("time to hire averages {n} days", 25, 90),
        Fact("the gender pay gap is {n}%", 4, 22),
        Fact("only {n}% of staff would recommend the employer", 30, 75),
        Fact("sick leave averages {n} days per employee", 5, 16),
    ),
    triggers=(
        "after an engagement survey showed low trust in managers",
        "ahead of a merger with a rival",
        "because a new pay-transparency law takes effect",
        "after losing key engineers to competitors",
        "since the company moved to hybrid working",
    ),
    constraints=(
        "the salary budget can grow by 4% at most",
        "the works council must be consulted on any change",
        "the HR team has five people",
        "no redundancies may be announced this year",
        "frontline staff cannot train during peak hours",
    ),
    actions=(
        "analyse exit interviews by team",
        "benchmark salaries against the market",
        "redesign the onboarding checklist",
        "define career paths for key roles",
        "train managers in feedback conversations",
        "audit pay for unexplained gaps",
        "simplify the performance review form",
        "set up a mentoring scheme",
        "review shift patterns for fairness",
        "agree retention metrics with leadership",
    ),
    deliverables=(
        Deliverable("Retention plan", "a retention plan with targeted actions per team"),
        Deliverable("Workforce plan", "an 18-month workforce plan matching hiring to demand"),
        Deliverable("Pay equity review", "a pay equity review with a correction budget"),
        Deliverable("Onboarding redesign", "a redesigned onboarding journey for the first 90 days"),
        Deliverable("Hybrid work policy", "a hybrid work policy with clear rules for teams"),
    ),
    stakeholders=(
        Stakeholder(
            "Chief People Officer",
            "wants pay raised for frontline staff",
            "the latest turnover figures by site",
            "people",
        ),
        Stakeholder(
            "Operations Director",
            "wants every weekend shift covered",
            "staffing levels at the two busiest sites",
            "operations",
        ),
        Stakeholder(
            "Union Representative",
            "demands that members vote on any change",
            "the mood of members before the ballot",
            "labour",
        ),
        Stakeholder(
            "Finance Business Partner",
            "wants headcount costs kept flat",
            "plans for a hiring freeze",
            "cost",
        ),
    ),
    cost_items=(
        CostItem("recruitment agency fees", "hires", (3000, 9000), (5, 60)),
        CostItem("leadership coaching", "coaching sessions", (250, 600), (20, 300)),
        CostItem("salary adjustments", "employees", (800, 3000), (20, 400)),
        CostItem("onboarding kits", "new starters", (150, 500), (20, 400)),
        CostItem("HR system licences", "employee seats", (60, 140), (200, 5000)),
    ),
    options=(
        Option("Manager training academy", (60, 160), (15, 35)),
        Option("Pay-gap correction fund", (100, 300), (20, 50)),
        Option("Employee referral bonus", (20, 70), (8, 22)),
        Option("Flexible shift scheduling", (40, 120), (12, 30)),
        Option("Graduate hiring programme", (80, 220), (15, 40)),
        Option("Mental health service", (30, 90), (10, 28)),
    ),
    activities=(
        "agree the job architecture",
        "benchmark market pay",
        "grade every role",
        "model the cost of changes",
        "consult the works council",
        "communicate the new pay bands",
        "apply the adjustments in payroll",
    ),
)
