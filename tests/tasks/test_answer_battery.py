"""The hand-written answer battery: every verdict as expected, so the battery's false accepts
and false rejects (the table in docs/tasks.md, printed by `python -m tests.tasks.answer_battery`)
are zero, and every style family is covered for every kind."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from selforg.tasks import check_answer
from tests.tasks.answer_battery import (
    ALLOCATION_PROBLEM,
    CASES,
    COST_PROBLEM,
    REFERENCES,
    SCHEDULE_PROBLEM,
    Case,
    table,
    verdicts,
)

FAMILIES = ("format", "prose", "table", "equation", "heading", "hedge", "near miss",
            "confident wrong", "empty", "refusal", "names")


def test_the_fixed_references_are_what_the_answers_assume() -> None:
    assert COST_PROBLEM.total() == 622241.25
    assert ALLOCATION_PROBLEM.best() == (146, [("Influencer programme", "Privileged access vault",
                                                "24/7 managed detection", "EDR on all servers")])
    assert ALLOCATION_PROBLEM.best(rules=False)[0] == 196
    assert json.loads(REFERENCES["allocation"])["chosen"] == ["P5", "P7", "P8", "P10"]
    assert SCHEDULE_PROBLEM.valid_orders > 1


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.kind}: {c.style}")
def test_each_answer_gets_its_verdict(case: Case) -> None:
    verdict = check_answer(REFERENCES[case.kind], case.answer)
    assert verdict.status == case.expected, str(verdict)


def test_every_style_family_is_covered_for_every_kind() -> None:
    for kind in REFERENCES:
        styles = " ".join(c.style for c in CASES if c.kind == kind)
        missing = [f for f in FAMILIES if f not in styles]
        if kind == "cost":
            missing.remove("names")  # cost answers name no options or activities
        assert not missing, (kind, missing)
        truths = Counter(c.truth for c in CASES if c.kind == kind)
        assert truths["correct"] >= 20 and truths["wrong"] >= 15, (kind, truths)


def test_the_table_counts_no_false_accept_or_reject() -> None:
    lines = table(verdicts()).splitlines()
    assert len(lines) == 6
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[7:] == ["0", "0", "0"], line
