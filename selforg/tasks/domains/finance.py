"""Finance: close, cash, controls and cost work."""

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
    name="finance",
    organisations=(
        Organisation("Granite Manufacturing", "an industrial manufacturer with $800M revenue"),
        Organisation("Beacon Hotels", "a hotel chain with 45 properties"),
        Organisation("Polaris Software", "a subscription software firm growing 30% a year"),
        Organisation("Riverbend Foods", "a family-owned food processor"),
        Organisation("Cobalt Airlines", "a regional airline with 60 aircraft"),
    ),
    systems=(
        "the SAP general ledger",
        "the month-end close process",
        "the accounts-payable workflow",
        "the cash-forecasting spreadsheet",
        "the expense management tool",
        "the treasury management system",
    ),
    facts=(
        Fact("the month-end close takes {n} working days", 6, 15),
        Fact("days sales outstanding are {n}", 35, 95),
        Fact("{n}% of supplier invoices need manual matching", 15, 70),
        Fact("the revolving credit facility is ${n} million", 20, 300),
        Fact("operating margin fell to {n}%", 2, 14),
    ),
    triggers=(
        "after the auditors reported a material weakness",
        "ahead of a bond issue next year",
        "because interest costs rose sharply",
        "after missing its cash forecast twice",
        "since the board asked for a faster monthly close",
    ),
    constraints=(
        "the finance team cannot grow this year",
        "the loan covenant requires net debt below 3x EBITDA",
        "every change must pass the external audit",
        "small suppliers must still be paid within 30 days",
        "no new system may go live during the year-end close",
    ),
    actions=(
        "map the current close calendar",
        "reconcile intercompany balances",
        "build a 13-week cash forecast",
        "segment customers by payment behaviour",
        "automate invoice matching rules",
        "stress-test the covenant headroom",
        "review spending by cost centre",
        "define approval limits for payments",
        "set targets for working capital",
        "prepare a variance analysis against budget",
    ),
    deliverables=(
        Deliverable(
            "Working-capital plan", "a working-capital plan that frees cash within two quarters"
        ),
        Deliverable("Close acceleration plan", "a plan to shorten the month-end close"),
        Deliverable("Budget proposal", "a next-year budget proposal with three scenarios"),
        Deliverable(
            "Controls remediation plan", "a controls remediation plan the auditors can test"
        ),
        Deliverable("Cost reduction plan", "a cost reduction plan ranked by savings and risk"),
    ),
    stakeholders=(
        Stakeholder(
            "CFO",
            "wants net debt down before the bond issue",
            "the payment status of the largest customer",
            "cost",
        ),
        Stakeholder(
            "Treasurer",
            "wants longer payment terms with every supplier",
            "what key suppliers said in recent talks",
            "liquidity",
        ),
        Stakeholder(
            "Chief Operating Officer",
            "refuses cuts to maintenance spending",
            "the results of the latest plant inspection",
            "quality",
        ),
        Stakeholder(
            "Investor Relations Lead",
            "wants earnings guidance kept unchanged",
            "what analysts signalled in private calls",
            "reputation",
        ),
    ),
    cost_items=(
        CostItem("audit fees", "audit hours", (150, 300), (200, 1500)),
        CostItem("finance contractors", "contractor-days", (500, 900), (20, 120)),
        CostItem("AP automation licences", "user licences", (600, 1500), (5, 60)),
        CostItem("bank charges", "payment batches", (20, 80), (100, 2000)),
        CostItem("treasury advisory", "advisor-days", (1500, 3000), (3, 20)),
    ),
    options=(
        Option("Invoice automation", (60, 150), (15, 35)),
        Option("Cash-forecasting tool", (40, 110), (12, 30)),
        Option("Supply-chain financing", (30, 90), (10, 30)),
        Option("Shared-service centre", (200, 450), (30, 60)),
        Option("Debt refinancing", (80, 200), (20, 45)),
        Option("Expense policy overhaul", (15, 50), (6, 18)),
    ),
    activities=(
        "close the sub-ledgers",
        "post the accruals",
        "reconcile the bank accounts",
        "eliminate intercompany balances",
        "review the variances",
        "approve the consolidated accounts",
        "publish the management pack",
    ),
)
