"""The table "reference study vs this study", one row per claim of `reference_claims`.

Each row: the claim, the paper's figure and setting, this study's figures in its matching
setting (estimate, CI, n, test; for a confirmatory claim its Holm p), that setting, and what
still differs from the paper's. A claim whose setting this study did not run says "setting not
run (why)": no other setting stands in for it. The rows are data (`Findings.claims`); adding a
claim to `selforg.analysis.reference_claims` adds a row here.
"""

from __future__ import annotations

from selforg.analysis.findings import Findings
from selforg.analysis.multiplicity import claim_key
from selforg.analysis.reference import ClaimResult, Reading
from selforg.reporting.document import Block, Heading, Paragraph, Table
from selforg.reporting.open_questions import CLAIM_ROWS as OPEN_QUESTION_ROWS
from selforg.reporting.text import adjusted, est, full

CLAIMS_HEADING = "Reference study vs this study"


def reading_text(reading: Reading) -> str:
    """One figure: 'label: estimate [CI], p, n (test)' or its text."""
    if reading.stat is None:
        return f"{reading.label}: {reading.text}"
    if reading.percent or reading.brief:
        figure = est(reading.stat, reading.digits, percent=reading.percent, sign=reading.percent)
        n = f", n = {reading.stat.n}" if reading.stat.value is not None else ""
        return f"{reading.label}: {figure}{n}"
    return f"{reading.label}: {full(reading.stat, reading.digits)}"


def figure_text(result: ClaimResult, findings: Findings) -> str:
    """This study's figures for a claim, with the Holm p of a confirmatory test."""
    if result.missing:
        return result.missing
    text = "; ".join(reading_text(r) for r in result.readings)
    if result.claim.confirmatory and result.test is not None:
        found = findings.multiplicity.get(claim_key(result.claim.key))
        text += f"; confirmatory: {adjusted(found)}" if found else ""
    return text


def claims(findings: Findings) -> list[Block]:
    """The reference-vs-this-study table."""
    rows = [[r.claim.claim + (" (confirmatory)" if r.claim.confirmatory else ""), r.claim.paper,
             r.claim.setting.text, figure_text(r, findings), r.here,
             "; ".join(r.differs) or "-"]
            for r in findings.claims]
    # The reference study's open questions have no figure of the paper's to match a setting
    # to: their rows say what this study measured and where.
    for claim, paper, paper_setting, measure in OPEN_QUESTION_ROWS:
        figure, here = measure(findings)
        rows.append([claim, paper, paper_setting, figure, here, "-"])
    return [
        Heading(CLAIMS_HEADING),
        Paragraph("Each headline claim of arXiv 2603.28990 next to what this study measured in "
                  "the matching setting: the paper's N and level and, when this study ran it, "
                  "the paper's model (else every model, the task as block). Effect sizes are "
                  "computed as the paper defines them (between-group pooled-SD d), d_z "
                  "separately; pairs are the paper's, named in advance. A claim this study "
                  "did not run the setting of says so and why; figures from different "
                  "settings are never mixed, and what still differs is listed."),
        Table(["claim", "paper's figure", "paper's setting", "this study", "setting here",
               "what differs"], rows),
    ]
