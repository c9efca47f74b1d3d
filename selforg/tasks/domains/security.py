"""Security: access control, detection and vulnerability work."""

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
    name="security",
    organisations=(
        Organisation("Halcyon Payments", "a card-payments fintech with 1,200 staff"),
        Organisation("Brightwater Credit Union", "a regional credit union with 40 branches"),
        Organisation("Kestrel Logistics", "a freight broker running three data centres"),
        Organisation("Orchid Health Network", "a hospital group with 9,000 employees"),
        Organisation("Vantage Games", "an online game studio with 30 million players"),
    ),
    systems=(
        "the Okta single sign-on tenant",
        "the Splunk SIEM",
        "the legacy Cisco VPN concentrators",
        "the CrowdStrike EDR fleet",
        "the customer-facing payments API",
        "the Active Directory forest",
    ),
    facts=(
        Fact("mean time to detect an intrusion is {n} days", 4, 45),
        Fact("{n}% of laptops lack full-disk encryption", 6, 35),
        Fact("{n} service accounts have never rotated their passwords", 20, 400),
        Fact("the last phishing simulation had a {n}% click rate", 5, 30),
        Fact("{n} critical vulnerabilities are older than 90 days", 8, 120),
    ),
    triggers=(
        "after a phishing campaign compromised two administrator accounts",
        "ahead of its first PCI DSS 4.0 assessment",
        "because its cyber-insurer now demands MFA on every remote login",
        "after a ransomware attack hit a close competitor",
        "since an auditor flagged weak privileged-access controls",
    ),
    constraints=(
        "login downtime may not exceed two hours in total",
        "the security team has only four engineers",
        "changes are frozen during the quarter-end close",
        "every control must map to a NIST CSF 2.0 function",
        "customer checkout may not gain an extra login step",
    ),
    actions=(
        "inventory all privileged and service accounts",
        "rank exposed assets by exploitability",
        "enforce phishing-resistant MFA for administrators",
        "segment the flat office network",
        "tune SIEM alerts to cut false positives",
        "draft an incident response runbook",
        "test backups against a ransomware scenario",
        "define a patch window for critical systems",
        "brief staff on reporting suspicious email",
        "set targets for detection and response time",
    ),
    deliverables=(
        Deliverable(
            "Remediation roadmap",
            "a 90-day remediation roadmap with an owner and deadline per finding",
        ),
        Deliverable("Incident runbook", "an incident response runbook for the first 24 hours"),
        Deliverable(
            "Privileged access redesign",
            "a privileged-access redesign with a migration sequence",
        ),
        Deliverable("Risk register", "a one-page risk register rating likelihood and impact"),
        Deliverable("Board security brief", "a board briefing with three funded priorities"),
    ),
    stakeholders=(
        Stakeholder(
            "CISO",
            "wants every critical finding closed this quarter",
            "the findings of last month's incident review",
            "risk",
        ),
        Stakeholder(
            "Head of Sales",
            "refuses any change that slows customer onboarding",
            "the security terms of a pending client contract",
            "growth",
        ),
        Stakeholder(
            "IT Operations Manager",
            "wants no changes until the data-centre move ends",
            "the real status of the data-centre move",
            "stability",
        ),
        Stakeholder(
            "Procurement Manager",
            "wants the cheapest vendor for every tool",
            "the results of the vendor security reviews",
            "cost",
        ),
    ),
    cost_items=(
        CostItem("penetration testing", "tester-days", (1100, 1700), (5, 20)),
        CostItem("EDR licences", "endpoints", (45, 90), (200, 3000)),
        CostItem("SIEM storage", "terabytes", (300, 900), (4, 40)),
        CostItem("awareness training", "staff seats", (15, 40), (300, 5000)),
        CostItem("hardware security keys", "keys", (25, 60), (50, 800)),
    ),
    options=(
        Option("EDR on all servers", (80, 200), (20, 45)),
        Option("Hardware keys for admins", (20, 60), (15, 30)),
        Option("Network segmentation", (120, 300), (25, 55)),
        Option("24/7 managed detection", (150, 350), (30, 60)),
        Option("Privileged access vault", (60, 160), (20, 40)),
        Option("Phishing training programme", (15, 50), (8, 20)),
    ),
    activities=(
        "scope the security assessment",
        "inventory internet-facing assets",
        "scan for vulnerabilities",
        "rank findings by risk",
        "patch critical systems",
        "retest the patched systems",
        "report residual risk to the board",
    ),
)
