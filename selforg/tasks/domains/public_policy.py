"""Public policy: transport, housing, flooding and public services."""

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
    name="public policy",
    organisations=(
        Organisation("Westbrook City Council", "a city of 600,000 residents"),
        Organisation("Eastland Ministry of Transport", "a ministry with a $4 billion budget"),
        Organisation("Coastal Region Authority", "a regional government facing coastal flooding"),
        Organisation("Metro Housing Agency", "a public housing agency with 40,000 homes"),
        Organisation("Danforth County", "a rural county with an ageing population"),
    ),
    systems=(
        "the bus network",
        "the housing allocation scheme",
        "the flood defence programme",
        "the benefits payment system",
        "the planning permission process",
        "the 311 citizen service line",
    ),
    facts=(
        Fact("{n}% of renters spend over a third of income on rent", 20, 55),
        Fact("the average commute takes {n} minutes", 25, 70),
        Fact("{n:,} homes sit in the flood zone", 2000, 60000),
        Fact("{n:,} households are on the housing waiting list", 3000, 40000),
        Fact("turnout in the last local election was {n}%", 25, 60),
    ),
    triggers=(
        "after a court ruled the current scheme unlawful",
        "ahead of a budget vote in the council",
        "because national funding will fall by 10%",
        "after severe floods damaged 1,200 homes",
        "since a citizens' assembly demanded cleaner air",
    ),
    constraints=(
        "public consultation must run at least 12 weeks",
        "the policy may not raise local taxes",
        "an equality impact assessment is mandatory",
        "procurement must follow public tender rules",
        "results must show before the next election",
    ),
    actions=(
        "map who is affected and how",
        "review evidence from comparable cities",
        "model costs over ten years",
        "design the public consultation",
        "set measurable outcome targets",
        "assess equality impacts",
        "identify funding sources",
        "plan a pilot in one district",
        "define how results will be evaluated",
        "draft the briefing for elected members",
    ),
    deliverables=(
        Deliverable("Policy options paper", "a policy options paper with costs and trade-offs"),
        Deliverable("Implementation plan", "an implementation plan with milestones and owners"),
        Deliverable("Consultation plan", "a consultation plan that reaches seldom-heard groups"),
        Deliverable(
            "Evaluation framework", "an evaluation framework with indicators and baselines"
        ),
        Deliverable("Funding bid", "a funding bid to national government with a benefits case"),
    ),
    stakeholders=(
        Stakeholder(
            "Mayor",
            "wants visible results before the election",
            "contacts between the office and a contractor",
            "speed",
        ),
        Stakeholder(
            "Residents' Association Chair",
            "opposes any new building nearby",
            "how members actually voted on the plan",
            "community",
        ),
        Stakeholder(
            "Council Treasurer",
            "insists the plan is cost-neutral",
            "the true level of council reserves",
            "cost",
        ),
        Stakeholder(
            "Clean Air Campaign Lead",
            "demands car-free streets in the centre",
            "plans for a legal challenge",
            "climate",
        ),
    ),
    cost_items=(
        CostItem("consultation events", "events", (1500, 5000), (5, 40)),
        CostItem("extra bus service", "service hours", (80, 160), (1000, 20000)),
        CostItem("flood barriers", "metres", (2000, 8000), (100, 2000)),
        CostItem("policy analysts", "analyst-days", (400, 800), (20, 200)),
        CostItem("housing retrofits", "homes", (8000, 25000), (10, 300)),
    ),
    options=(
        Option("Bus lane network", (150, 400), (25, 55)),
        Option("Home insulation grants", (100, 300), (20, 45)),
        Option("Flood warning system", (50, 150), (15, 40)),
        Option("Digital citizen services", (60, 180), (12, 35)),
        Option("Community land trust", (120, 300), (15, 40)),
        Option("Street-tree planting", (20, 70), (8, 22)),
    ),
    activities=(
        "define the policy problem",
        "gather the evidence",
        "draft policy options",
        "run the public consultation",
        "select the preferred option",
        "pass the council vote",
        "launch the programme",
    ),
)
