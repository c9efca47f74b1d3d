"""Energy: grid capacity, storage, procurement and decarbonisation."""

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
    name="energy",
    organisations=(
        Organisation("Harbour Grid", "a distributor serving 1.1 million homes"),
        Organisation("Sunfield Renewables", "a developer operating 14 solar parks"),
        Organisation("Calder Steelworks", "a steel plant using 600 GWh a year"),
        Organisation("Northwind Wind Co-op", "a community wind co-operative with 3,000 members"),
        Organisation("Atlas Data Campus", "a data-centre campus drawing 90 MW"),
    ),
    systems=(
        "the SCADA control system",
        "the battery storage site",
        "the demand-response programme",
        "the substation at the eastern industrial park",
        "the smart-meter data platform",
        "the gas-fired backup turbines",
    ),
    facts=(
        Fact("peak demand has grown {n}% in five years", 8, 40),
        Fact("the grid connection queue is {n} months long", 12, 60),
        Fact("renewables supply {n}% of annual consumption", 10, 65),
        Fact("unplanned outages averaged {n} minutes per customer last year", 40, 300),
        Fact("energy is {n}% of operating expenses", 5, 35),
    ),
    triggers=(
        "after wholesale power prices doubled over the winter",
        "ahead of its 2030 net-zero commitment",
        "because the regulator introduced penalties for long outages",
        "after a heatwave forced rolling blackouts",
        "since a new factory asked for a 40 MW connection",
    ),
    constraints=(
        "the grid connection is capped at 50 MW",
        "capital spending is limited to $20 million a year",
        "planning permission takes at least 18 months",
        "security of supply must meet the N-1 standard",
        "tariffs for vulnerable customers may not rise",
    ),
    actions=(
        "profile hourly demand for a typical year",
        "model the payback of battery storage",
        "rank sites for new solar capacity",
        "review demand-response contracts",
        "assess the grid connection options",
        "estimate emissions under each scenario",
        "plan maintenance outages around peak demand",
        "check the permitting timeline",
        "size the backup generation needed",
        "draft a hedging strategy for power prices",
    ),
    deliverables=(
        Deliverable(
            "Decarbonisation roadmap", "a decarbonisation roadmap with yearly emission targets"
        ),
        Deliverable("Storage business case", "a business case for battery storage with payback"),
        Deliverable("Grid resilience plan", "a grid resilience plan for extreme weather"),
        Deliverable(
            "Power procurement strategy",
            "a power procurement strategy mixing contracts and spot purchases",
        ),
        Deliverable("Connection plan", "a phased connection plan for new demand"),
    ),
    stakeholders=(
        Stakeholder(
            "Grid Operations Director",
            "wants new capacity online before next winter",
            "the condition of two ageing transformers",
            "speed",
        ),
        Stakeholder(
            "Finance Director",
            "requires a payback under seven years",
            "the covenants of the current loan",
            "cost",
        ),
        Stakeholder(
            "Local Council Representative",
            "opposes any new overhead lines",
            "the council's position before the election",
            "community",
        ),
        Stakeholder(
            "Sustainability Lead",
            "wants coal-based supply ended by 2027",
            "how last year's emissions were measured",
            "climate",
        ),
    ),
    cost_items=(
        CostItem("battery modules", "MWh", (180000, 320000), (2, 20)),
        CostItem("solar panels", "kW installed", (700, 1100), (200, 5000)),
        CostItem("connection cabling", "metres", (300, 900), (200, 3000)),
        CostItem("energy audits", "site visits", (1500, 4000), (3, 25)),
        CostItem("smart meters", "meters", (90, 180), (500, 20000)),
    ),
    options=(
        Option("Rooftop solar on depots", (150, 400), (20, 45)),
        Option("Battery storage pilot", (200, 450), (25, 55)),
        Option("Demand-response contracts", (40, 120), (12, 30)),
        Option("Substation upgrade", (250, 500), (30, 60)),
        Option("Smart-meter analytics", (60, 150), (10, 30)),
        Option("LED and HVAC retrofit", (50, 140), (15, 35)),
    ),
    activities=(
        "agree the demand forecast",
        "select candidate sites",
        "run grid impact studies",
        "apply for planning permission",
        "procure the equipment",
        "build and connect",
        "commission and test",
    ),
)
