"""Data and ML: data quality, model governance and ML operations."""

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
    name="data and ML",
    organisations=(
        Organisation("Fernhill Bank", "a retail bank scoring 50,000 loan applications a month"),
        Organisation("Quill Publishing", "a news publisher personalising its homepage"),
        Organisation("Meridian Telecom", "a mobile operator with 8 million subscribers"),
        Organisation("Solace Insurance", "a car insurer automating claims triage"),
        Organisation("Trellis Grocers", "a grocery chain forecasting demand for 300 stores"),
    ),
    systems=(
        "the churn-prediction model",
        "the Snowflake data warehouse",
        "the feature store",
        "the fraud-scoring service",
        "the demand-forecasting pipeline in Airflow",
        "the customer-support chatbot",
    ),
    facts=(
        Fact("model accuracy dropped {n} points since launch", 3, 15),
        Fact("{n}% of customer records have missing fields", 5, 40),
        Fact("retraining takes {n} hours of GPU time", 6, 120),
        Fact("{n} dashboards read from undocumented tables", 15, 200),
        Fact("the false-positive rate is {n}%", 4, 25),
    ),
    triggers=(
        "after a regulator asked how credit decisions are explained",
        "after the model's performance drifted for three months",
        "because the board wants generative AI in customer service",
        "since two data scientists left and their pipelines broke",
        "ahead of the EU AI Act obligations for high-risk systems",
    ),
    constraints=(
        "personal data needs a documented legal basis",
        "inference latency must stay under 200 milliseconds",
        "the GPU budget is 2,000 hours a quarter",
        "every model needs a named owner and a model card",
        "no vendor may train on the company's data",
    ),
    actions=(
        "profile data quality in the source tables",
        "define the target metric with the business",
        "audit the training data for bias",
        "set up drift monitoring on live predictions",
        "write a model card for each model",
        "compare the model against a simple baseline",
        "add human review for edge cases",
        "document lineage from source to dashboard",
        "plan a retraining schedule",
        "estimate the cost per thousand predictions",
    ),
    deliverables=(
        Deliverable(
            "Model governance plan", "a model governance plan with owners and review gates"
        ),
        Deliverable("Data quality plan", "a data quality plan with thresholds and alerts"),
        Deliverable("ML use-case brief", "a use-case brief with success metrics and risks"),
        Deliverable(
            "Evaluation protocol", "an evaluation protocol comparing the model with a baseline"
        ),
        Deliverable("Monitoring design", "a monitoring design for drift, bias and latency"),
    ),
    stakeholders=(
        Stakeholder(
            "Chief Data Officer",
            "wants every model in production within six months",
            "how much training data has consent records",
            "speed",
        ),
        Stakeholder(
            "Model Risk Manager",
            "will not sign off without full explainability",
            "why an earlier model was withdrawn",
            "risk",
        ),
        Stakeholder(
            "Head of Customer Service",
            "wants the chatbot to replace a third of agents",
            "the agents' reaction to automation plans",
            "cost",
        ),
        Stakeholder(
            "Privacy Counsel",
            "insists on deleting raw data after 30 days",
            "the status of a data-subject complaint",
            "compliance",
        ),
    ),
    cost_items=(
        CostItem("GPU training time", "GPU-hours", (2, 6), (200, 3000)),
        CostItem("data labelling", "labelled examples", (1, 3), (2000, 40000)),
        CostItem("warehouse compute", "credits", (2, 4), (500, 8000)),
        CostItem("ML engineering", "engineer-days", (700, 1200), (10, 80)),
        CostItem("model API usage", "calls", (2, 12), (100_000, 5_000_000), per=1000),
    ),
    options=(
        Option("Feature store rollout", (80, 200), (15, 40)),
        Option("Automated drift monitoring", (30, 90), (12, 30)),
        Option("Data labelling programme", (50, 150), (15, 35)),
        Option("External bias audit", (40, 110), (10, 30)),
        Option("Chatbot pilot in one channel", (60, 180), (15, 45)),
        Option("Data catalogue and lineage", (70, 160), (15, 35)),
    ),
    activities=(
        "agree the business objective",
        "collect and label data",
        "clean and profile the data",
        "train candidate models",
        "evaluate against the baseline",
        "run a shadow deployment",
        "launch with live monitoring",
    ),
)
