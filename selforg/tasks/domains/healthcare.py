"""Healthcare operations: patient flow, capacity, theatres and medication safety."""

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
    name="healthcare operations",
    organisations=(
        Organisation("St Brigid's Hospital", "a 450-bed teaching hospital"),
        Organisation("Riverside Community Health", "a network of 18 primary-care clinics"),
        Organisation("Lakeshore Ambulance Service", "an ambulance trust covering 2 million people"),
        Organisation("Eastvale Diagnostics", "a laboratory processing 30,000 samples a day"),
        Organisation("Harmony Home Care", "a home-care provider with 1,800 carers"),
    ),
    systems=(
        "the Epic electronic health record",
        "the bed management system",
        "the operating theatre schedule",
        "the appointment booking system",
        "the pharmacy dispensing robots",
        "the emergency department triage process",
    ),
    facts=(
        Fact("emergency patients wait {n} hours on average for a bed", 3, 14),
        Fact("{n}% of outpatient appointments are missed", 5, 20),
        Fact("bed occupancy runs at {n}%", 88, 99),
        Fact("{n} operations were cancelled last month", 20, 200),
        Fact("nursing vacancies stand at {n}%", 5, 18),
    ),
    triggers=(
        "after a winter surge filled every bed",
        "ahead of an inspection by the care regulator",
        "because elective surgery waiting lists doubled",
        "after a medication error harmed a patient",
        "since the region merged two hospitals",
    ),
    constraints=(
        "patient safety standards may not be relaxed",
        "agency staff spending must fall by 20%",
        "the EHR vendor allows one change release a quarter",
        "clinicians can spare two hours a week for the project",
        "infection control rules limit bed moves",
    ),
    actions=(
        "map patient flow from arrival to discharge",
        "predict daily bed demand",
        "set discharge-before-noon targets",
        "redesign the triage protocol",
        "send appointment reminders by text",
        "review theatre utilisation by specialty",
        "audit the medication ordering process",
        "plan staff rosters for peak weeks",
        "agree escalation rules with social care",
        "track harm incidents weekly",
    ),
    deliverables=(
        Deliverable("Patient flow plan", "a patient flow improvement plan with weekly targets"),
        Deliverable("Winter capacity plan", "a winter capacity plan covering beds and staff"),
        Deliverable("Theatre productivity plan", "a plan to raise theatre utilisation safely"),
        Deliverable("Medication safety plan", "a medication safety action plan"),
        Deliverable("Outpatient redesign", "an outpatient redesign that cuts missed appointments"),
    ),
    stakeholders=(
        Stakeholder(
            "Chief Nurse",
            "refuses any rise in patients per nurse",
            "staffing levels on the two busiest wards",
            "safety",
        ),
        Stakeholder(
            "Hospital Chief Executive",
            "wants waiting lists halved within a year",
            "the true size of the budget deficit",
            "speed",
        ),
        Stakeholder(
            "Clinical Director of Surgery",
            "wants beds ring-fenced for surgery",
            "what surgeons have said about extra lists",
            "quality",
        ),
        Stakeholder(
            "Health Authority Commissioner",
            "wants more care moved into the community",
            "next year's funding settlement",
            "cost",
        ),
    ),
    cost_items=(
        CostItem("agency nurses", "shifts", (350, 700), (50, 800)),
        CostItem("temporary beds", "bed-days", (400, 900), (100, 2000)),
        CostItem("text reminders", "messages", (30, 90), (10_000, 300_000), per=1000),
        CostItem("extra theatre sessions", "sessions", (2500, 6000), (10, 120)),
        CostItem("clinical coding audit", "auditor-days", (500, 1000), (5, 40)),
    ),
    options=(
        Option("Discharge lounge", (40, 120), (15, 35)),
        Option("Virtual ward", (120, 300), (25, 55)),
        Option("Weekly extra theatre session", (150, 350), (20, 45)),
        Option("Text reminder service", (15, 45), (8, 20)),
        Option("Electronic prescribing upgrade", (100, 260), (20, 45)),
        Option("Community rapid-response team", (80, 220), (15, 40)),
    ),
    activities=(
        "measure baseline waiting times",
        "map the patient pathway",
        "agree clinical standards",
        "redesign the staff rota",
        "pilot on one ward",
        "evaluate safety outcomes",
        "roll out hospital-wide",
    ),
)
