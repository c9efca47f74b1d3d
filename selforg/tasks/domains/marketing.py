"""Marketing: launches, campaigns, retention and measurement."""

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
    name="marketing",
    organisations=(
        Organisation("Bloom Cosmetics", "a direct-to-consumer beauty brand"),
        Organisation("Ironclad Tools", "a power-tool maker selling through hardware chains"),
        Organisation("Wayfarer Travel", "an online travel agency"),
        Organisation("Greenleaf Dairy", "a regional dairy launching plant-based products"),
        Organisation("Nimbus Fitness", "a gym chain with 120 clubs and an app"),
    ),
    systems=(
        "the Salesforce CRM",
        "the email automation platform",
        "the paid-search account",
        "the customer loyalty programme",
        "the brand website",
        "the marketing attribution model",
    ),
    facts=(
        Fact("customer acquisition cost is ${n}", 20, 250),
        Fact("the email list has {n}k subscribers", 20, 800),
        Fact("the repeat purchase rate is {n}%", 10, 55),
        Fact("paid social brings {n}% of new customers", 10, 60),
        Fact("brand awareness in the target group is {n}%", 8, 50),
    ),
    triggers=(
        "after a competitor cut prices by 15%",
        "ahead of launching in two new countries",
        "because third-party cookies are being phased out",
        "after a product recall hurt the brand",
        "since growth stalled for three quarters",
    ),
    constraints=(
        "the quarterly media budget is fixed",
        "every claim needs legal approval",
        "the brand guidelines may not change",
        "every marketing email needs recorded consent",
        "retail partners set the launch date",
    ),
    actions=(
        "segment customers by lifetime value",
        "define the campaign's single message",
        "pick channels by cost per acquisition",
        "A/B test the landing page",
        "plan the content calendar",
        "brief the creative agency",
        "define measurement and attribution",
        "review consent records for the email list",
        "design a win-back offer for lapsed customers",
        "align launch timing with the sales team",
    ),
    deliverables=(
        Deliverable("Launch plan", "a go-to-market launch plan with channel budgets"),
        Deliverable("Campaign brief", "a campaign brief with audience, message and metrics"),
        Deliverable("Retention programme", "a loyalty and retention programme with targets"),
        Deliverable("Measurement plan", "a measurement plan that works without cookies"),
        Deliverable("Brand recovery plan", "a brand recovery plan for the next six months"),
    ),
    stakeholders=(
        Stakeholder(
            "Chief Marketing Officer",
            "wants a bold national TV campaign",
            "how last year's campaign really performed",
            "growth",
        ),
        Stakeholder(
            "Head of E-commerce",
            "wants the whole budget in performance channels",
            "known problems in conversion tracking",
            "performance",
        ),
        Stakeholder(
            "Brand Manager",
            "refuses discounts that cheapen the brand",
            "what retailers are doing with prices",
            "brand",
        ),
        Stakeholder(
            "Data Privacy Lead",
            "wants tracking limited to consented users",
            "how much of the list has recorded consent",
            "compliance",
        ),
    ),
    cost_items=(
        CostItem("paid search", "clicks", (400, 2500), (5_000, 80_000), per=1000),
        CostItem("influencer posts", "posts", (500, 5000), (5, 60)),
        CostItem("print catalogue", "copies", (300, 900), (10_000, 200_000), per=1000),
        CostItem("agency creative work", "agency days", (800, 1600), (5, 40)),
        CostItem("event booths", "events", (3000, 15000), (2, 12)),
    ),
    options=(
        Option("National TV burst", (200, 450), (25, 55)),
        Option("Loyalty app relaunch", (80, 200), (15, 40)),
        Option("Influencer programme", (40, 120), (10, 30)),
        Option("Search campaign expansion", (50, 140), (15, 35)),
        Option("Customer data platform", (100, 250), (20, 45)),
        Option("Pop-up store tour", (60, 160), (12, 30)),
    ),
    activities=(
        "research the audience",
        "define the positioning",
        "develop creative concepts",
        "test concepts with customers",
        "produce the final assets",
        "launch the campaign",
        "measure and optimise spend",
    ),
)
