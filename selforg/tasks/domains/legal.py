"""Legal and compliance: regulation, investigations, contracts and policy work."""

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
    name="legal and compliance",
    organisations=(
        Organisation("Argent Pharma", "a mid-size drug maker selling in 30 countries"),
        Organisation("Clearpath Mobility", "a scooter-sharing operator in 12 cities"),
        Organisation("Haven Property Trust", "a real-estate fund with 200 buildings"),
        Organisation("Lattice Exchange", "a digital-asset exchange with 400,000 users"),
        Organisation("Seaborne Shipping", "a container line calling at 80 ports"),
    ),
    systems=(
        "the contract repository",
        "the GDPR records of processing",
        "the sanctions-screening tool",
        "the whistleblowing hotline",
        "the anti-money-laundering monitoring",
        "the policy management portal",
    ),
    facts=(
        Fact("{n} supplier contracts lack a data-processing clause", 30, 400),
        Fact("{n} regulatory changes take effect this year", 5, 40),
        Fact("sanctions screening raises {n} alerts a week", 50, 900),
        Fact("only {n}% of staff completed compliance training", 40, 90),
        Fact("outside counsel costs ${n}k a month", 50, 600),
    ),
    triggers=(
        "after a regulator opened an investigation",
        "ahead of new EU sustainability reporting rules",
        "because a whistleblower alleged bribery at a subsidiary",
        "after a data breach triggered notification duties",
        "since it plans to enter the US market",
    ),
    constraints=(
        "the legal team has three lawyers",
        "regulator deadlines cannot move",
        "privileged documents may not leave the legal team",
        "every policy needs board approval",
        "outside counsel spend is capped for the year",
    ),
    actions=(
        "map obligations to business owners",
        "review high-risk contracts first",
        "update the records of processing",
        "tune sanctions-screening thresholds",
        "interview staff named in the allegation",
        "draft the regulator notification",
        "train managers on the new policy",
        "issue a litigation hold",
        "benchmark penalties in similar cases",
        "define escalation paths for red flags",
    ),
    deliverables=(
        Deliverable(
            "Compliance programme", "a compliance programme with controls, owners and testing"
        ),
        Deliverable("Investigation plan", "an internal investigation plan that keeps privilege"),
        Deliverable(
            "Regulatory gap analysis", "a gap analysis against the new rules with a fix list"
        ),
        Deliverable("Contract remediation plan", "a plan to renegotiate non-compliant contracts"),
        Deliverable("Policy pack", "a short policy pack that staff can actually follow"),
    ),
    stakeholders=(
        Stakeholder(
            "General Counsel",
            "wants to settle the investigation quickly",
            "the content of internal emails under review",
            "risk",
        ),
        Stakeholder(
            "Chief Compliance Officer",
            "wants a full external review first",
            "earlier warnings sent to management",
            "compliance",
        ),
        Stakeholder(
            "Country Manager",
            "wants no disruption to local sales",
            "payments made to a local agent",
            "growth",
        ),
        Stakeholder(
            "Head of Communications",
            "wants nothing public before the annual report",
            "which journalists have been in touch",
            "reputation",
        ),
    ),
    cost_items=(
        CostItem("outside counsel", "partner hours", (600, 1200), (20, 200)),
        CostItem("forensic review", "document batches", (300, 900), (10, 120)),
        CostItem("compliance training", "learner seats", (20, 60), (200, 4000)),
        CostItem("screening software", "monthly licences", (800, 3000), (3, 12)),
        CostItem("certified translation", "pages", (25, 70), (100, 2000)),
    ),
    options=(
        Option("Contract analytics tool", (50, 140), (12, 30)),
        Option("External compliance review", (80, 220), (20, 45)),
        Option("Sanctions screening upgrade", (60, 160), (15, 35)),
        Option("Ethics hotline relaunch", (15, 50), (6, 18)),
        Option("Privacy programme refresh", (40, 120), (12, 30)),
        Option("Regulatory horizon scanning", (20, 70), (8, 22)),
    ),
    activities=(
        "identify the applicable rules",
        "assess the current controls",
        "prioritise the gaps",
        "draft the new policies",
        "train the affected staff",
        "test the controls",
        "report to the audit committee",
    ),
)
