"""Supply chain: sourcing, inventory, logistics and supplier due diligence."""

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
    name="supply chain",
    organisations=(
        Organisation("Tessera Electronics", "a consumer-electronics assembler sourcing in Asia"),
        Organisation("Prairie Grain Co-op", "a grain co-operative shipping to 20 countries"),
        Organisation("Helix Medical Devices", "a maker of surgical instruments"),
        Organisation("Cascade Furniture", "a furniture retailer with three warehouses"),
        Organisation("Nordic Fresh", "a chilled-food distributor serving 1,500 shops"),
    ),
    systems=(
        "the SAP warehouse management system",
        "the supplier portal",
        "the transport management system",
        "the demand-planning tool",
        "the cold-chain temperature sensors",
        "the EDI link with retailers",
    ),
    facts=(
        Fact("inventory covers {n} days of demand", 20, 120),
        Fact("on-time delivery is {n}%", 70, 95),
        Fact("{n}% of components come from a single supplier", 20, 80),
        Fact("freight costs rose {n}% this year", 8, 60),
        Fact("warehouse utilisation is {n}%", 70, 98),
    ),
    triggers=(
        "after a port strike delayed shipments for three weeks",
        "ahead of the peak holiday season",
        "because a key supplier went bankrupt",
        "after customers complained about late deliveries",
        "since new due-diligence laws cover its suppliers",
    ),
    constraints=(
        "working capital tied up in stock may not grow",
        "cold-chain goods must stay below 5°C",
        "no new warehouse can open before next year",
        "every supplier must pass an ethical audit",
        "the main retailer fines every late delivery",
    ),
    actions=(
        "map tier-one and tier-two suppliers",
        "set safety stock per product family",
        "qualify a second source for key parts",
        "redesign delivery routes",
        "agree service levels with carriers",
        "audit suppliers for labour practices",
        "forecast demand by region",
        "rebalance stock across warehouses",
        "set up a supply-risk dashboard",
        "renegotiate freight contracts",
    ),
    deliverables=(
        Deliverable(
            "Supply resilience plan", "a supply resilience plan with second sources and buffers"
        ),
        Deliverable("Inventory policy", "an inventory policy with stock targets per family"),
        Deliverable("Network redesign", "a distribution network redesign costed per option"),
        Deliverable(
            "Supplier due-diligence plan", "a supplier due-diligence programme with audit dates"
        ),
        Deliverable("Peak readiness plan", "a peak-season readiness plan with weekly checks"),
    ),
    stakeholders=(
        Stakeholder(
            "Supply Chain Director",
            "wants 99% on-time delivery",
            "the finances of the second supplier",
            "service",
        ),
        Stakeholder(
            "Chief Procurement Officer",
            "wants the lowest unit price from single suppliers",
            "the volume rebate terms with the main supplier",
            "cost",
        ),
        Stakeholder(
            "Sustainability Manager",
            "wants every unaudited supplier dropped",
            "the findings of a sub-supplier audit",
            "ethics",
        ),
        Stakeholder(
            "Key Account Manager",
            "has promised a major retailer extra stock",
            "what the retailer threatened in talks",
            "growth",
        ),
    ),
    cost_items=(
        CostItem("sea freight", "containers", (1500, 6000), (10, 200)),
        CostItem("air freight", "tonnes", (2000, 6000), (2, 40)),
        CostItem("warehouse space", "pallet-months", (12, 35), (500, 20000)),
        CostItem("supplier audits", "audits", (2000, 8000), (3, 30)),
        CostItem("safety stock", "units", (15, 120), (500, 10000)),
    ),
    options=(
        Option("Second-source qualification", (60, 180), (15, 40)),
        Option("Regional buffer warehouse", (200, 450), (25, 55)),
        Option("Route optimisation software", (40, 120), (12, 30)),
        Option("Supplier audit programme", (30, 90), (10, 28)),
        Option("Demand-sensing forecasts", (70, 180), (15, 38)),
        Option("Nearshore assembly line", (250, 500), (30, 60)),
    ),
    activities=(
        "map the current suppliers",
        "assess supply risks",
        "shortlist alternative suppliers",
        "audit the shortlist",
        "negotiate contracts",
        "run trial orders",
        "switch volume to the new suppliers",
    ),
)
