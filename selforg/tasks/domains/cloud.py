"""Cloud infrastructure: migration, cost, resilience and platform work."""

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
    name="cloud infrastructure",
    organisations=(
        Organisation("Lumen Retail", "an e-commerce retailer with 2 million monthly orders"),
        Organisation("Northgate Insurance", "an insurer running 600 virtual machines on site"),
        Organisation("Pixelwave Media", "a video-streaming start-up with spiky traffic"),
        Organisation("Arden Civic Services", "a city IT department hosting 140 applications"),
        Organisation("Corvid Analytics", "a SaaS analytics vendor with 900 tenants"),
    ),
    systems=(
        "the production Kubernetes cluster on AWS EKS",
        "the Oracle database on ageing hardware",
        "the Terraform-managed landing zone",
        "the CDN in front of the storefront",
        "the nightly batch jobs on VMware",
        "the multi-region PostgreSQL cluster",
    ),
    facts=(
        Fact("the monthly cloud bill is ${n}k", 40, 900),
        Fact("peak traffic is {n} times the weekday average", 3, 15),
        Fact("{n}% of compute instances run below 10% CPU", 20, 70),
        Fact("the last region outage caused {n} hours of downtime", 2, 30),
        Fact("{n} services are still deployed by hand", 5, 80),
    ),
    triggers=(
        "after the cloud bill grew 40% in two quarters",
        "ahead of its data-centre lease expiring next year",
        "after a regional outage took checkout offline",
        "because engineering wants weekly instead of monthly releases",
        "since a new customer requires 99.95% availability",
    ),
    constraints=(
        "the recovery point objective is 15 minutes",
        "customer data must stay in EU regions",
        "the platform team has six engineers",
        "only one maintenance window is allowed per month",
        "existing reserved instances cannot be cancelled",
    ),
    actions=(
        "tag every resource with an owner",
        "right-size idle compute instances",
        "define recovery objectives per service",
        "move Terraform state to a locked backend",
        "set autoscaling rules for peak traffic",
        "rehearse a regional failover",
        "automate deployments through the CI pipeline",
        "build a cost dashboard per team",
        "retire unused storage volumes",
        "document the network topology",
    ),
    deliverables=(
        Deliverable("Migration plan", "a wave-by-wave migration plan with rollback points"),
        Deliverable("Cost optimisation plan", "a cost optimisation plan with savings per action"),
        Deliverable("Resilience design", "a multi-region resilience design with recovery targets"),
        Deliverable("Platform roadmap", "a two-quarter platform roadmap with milestones"),
        Deliverable("Capacity plan", "a capacity plan for next year's peak season"),
    ),
    stakeholders=(
        Stakeholder(
            "VP Engineering",
            "wants daily deployments without new approvals",
            "how many teams bypass the change process",
            "speed",
        ),
        Stakeholder(
            "Head of FinOps",
            "wants the cloud bill cut by a quarter",
            "the terms of the committed-spend contract",
            "cost",
        ),
        Stakeholder(
            "Site Reliability Lead",
            "will not accept any reduction in redundancy",
            "the outcome of the last failover test",
            "risk",
        ),
        Stakeholder(
            "Data Protection Officer",
            "insists that no data leaves the EU",
            "where vendors actually store backups",
            "compliance",
        ),
    ),
    cost_items=(
        CostItem("compute instances", "instance-months", (70, 400), (20, 300)),
        CostItem("object storage", "terabyte-months", (18, 30), (20, 400)),
        CostItem("data egress", "terabytes", (50, 90), (10, 200)),
        CostItem("managed database nodes", "node-months", (300, 1200), (6, 48)),
        CostItem("migration consultants", "consultant-days", (900, 1500), (10, 60)),
    ),
    options=(
        Option("Reserved-instance commitment", (100, 300), (20, 50)),
        Option("Second active region", (200, 400), (30, 60)),
        Option("Autoscaling overhaul", (50, 150), (15, 35)),
        Option("Observability platform", (80, 200), (15, 40)),
        Option("Managed database migration", (120, 280), (25, 50)),
        Option("Infrastructure-as-code rewrite", (60, 180), (10, 35)),
    ),
    activities=(
        "agree the landing zone design",
        "build the network foundation",
        "set up identity and access",
        "migrate the test environment",
        "migrate production workloads",
        "run a failover rehearsal",
        "decommission the old servers",
    ),
)
