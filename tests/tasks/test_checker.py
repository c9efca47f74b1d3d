"""check_answer: three-valued verdicts, reference validation, and every generated task's own
truth in many formats. The hand-written answer styles are in test_answer_battery.py."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selforg.errors import SelforgError
from selforg.tasks import KINDS, Task, check_answer, generate_tasks
from selforg.tasks.verdict import Verdict
from tests.tasks.answer_battery import ALLOCATION, COST, SCHEDULE


@pytest.fixture(scope="module")
def default_tasks() -> list[Task]:
    return generate_tasks(seed=0, per_level=10)


def test_verdicts_have_three_values_and_say_why() -> None:
    right = check_answer(COST, "ANSWER: $622,241.25")
    assert (right.correct, right.status) == (True, "correct")
    assert str(right) == "correct: " + right.reason and "$622,241.25" in right.reason
    off = check_answer(COST, "ANSWER: $623,431.25")
    assert off.status == "wrong" and "contingency also on the fee" in off.reason
    unread = check_answer(COST, "We need $622,241.25 of funding. Part 1 needs $234,604.")
    assert unread == Verdict(None, unread.reason) and unread.status == "undecidable"


@pytest.mark.parametrize("reference", [COST, ALLOCATION, SCHEDULE])
@pytest.mark.parametrize("answer", [None, "", "  \n "])
def test_a_missing_answer_is_wrong(reference: str, answer: str | None) -> None:
    assert check_answer(reference, answer) == Verdict(False, "empty answer")


def test_the_tolerance_accepts_rounding_to_the_dollar_only() -> None:
    assert check_answer(COST, "ANSWER: 622,241").correct
    assert check_answer(COST, "ANSWER: 622,246").correct  # $4.75 off: within $5
    assert check_answer(COST, "ANSWER: 622,247").correct is False
    assert check_answer(COST, "ANSWER: 622,000").correct is False


@pytest.mark.parametrize(
    ("reference", "fragment"),
    [
        ("not json", "not JSON"),
        (json.dumps({"kind": "poem"}), "'kind' must be one of"),
        (json.dumps(["cost"]), "'kind' must be one of"),
        (json.dumps({"kind": "cost"}), "'answer' and 'tolerance_usd' must be numbers"),
        (json.dumps({"kind": "cost", "answer": 1, "tolerance": 0.005}), "'tolerance_usd'"),
        (json.dumps({"kind": "allocation", "answer": 5}), "'options' must list"),
        (json.dumps({"kind": "allocation", "answer": 5, "budget_k": 9,
                     "options": [{"label": "P1"}]}), "each option needs"),
        (json.dumps({"kind": "schedule", "labels": "T1"}), "'labels' must be a list"),
        (json.dumps({"kind": "schedule", "labels": ["T1"]}), "'names' must list"),
        (
            json.dumps({"kind": "schedule", "labels": ["T1"], "names": ["x"],
                        "before": [["T1", "T9"]]}),
            "'before' must be a list of label pairs",
        ),
    ],
)
def test_malformed_reference_is_a_user_error(reference: str, fragment: str) -> None:
    with pytest.raises(SelforgError, match="task reference is malformed") as err:
        check_answer(reference, "ANSWER: 1")
    assert fragment in str(err.value)


def _right_answer(reference: dict[str, object]) -> str:
    if reference["kind"] == "schedule":
        return "ANSWER: " + ", ".join(reference["solution"])  # type: ignore[arg-type]
    if reference["kind"] == "allocation":
        return f"ANSWER: {reference['answer']}; " + ", ".join(reference["chosen"])  # type: ignore[arg-type]
    return f"ANSWER: {reference['answer']:,}"


def test_generated_references_accept_their_truth_and_reject_wrong_answers(
    default_tasks: list[Task],
) -> None:
    seen = set()
    for task in (t for t in default_tasks if t.verifiable):
        assert task.reference is not None
        ref = json.loads(task.reference)
        seen.add(ref["kind"])
        assert check_answer(task.reference, _right_answer(ref)).correct, task.task_id
        if ref["kind"] == "schedule":
            # Labels are shuffled so that the order shown in the prompt breaks a rule.
            wrong = "ANSWER: " + ", ".join(ref["labels"])
        elif ref["kind"] == "allocation":
            wrong = "ANSWER: " + ", ".join(o["label"] for o in ref["options"])  # all: over budget
        else:
            wrong = f"ANSWER: {ref['answer'] * 1.02:,.2f}"
        assert check_answer(task.reference, wrong).correct is False, task.task_id
    assert seen == set(KINDS)


_MARKERS = ["ANSWER: ", "Answer: ", "**ANSWER:** ", "answer = ", "Final answer - ", "## Answer\n"]


def _render_number(value: float, style: int) -> str:
    return [
        f"{value}",
        f"{value:,.2f}",
        f"${value:,.2f}",
        f"$ {value:,.0f}",
        f"{value:,.2f}".replace(",", " ").replace(".", ","),
    ][style]


def _render_order(order: list[str], style: int) -> str:
    return [
        ", ".join(order),
        " -> ".join(order),
        " ".join(o.lower() for o in order),
        "\n" + "\n".join(f"{i}. {o} do the work" for i, o in enumerate(order, start=1)),
        " then ".join(f"Task {o[1:]}" for o in order),
    ][style]


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    pick=st.integers(min_value=0, max_value=11),
    marker=st.sampled_from(_MARKERS),
    style=st.integers(min_value=0, max_value=4),
    error=st.floats(min_value=0.01, max_value=0.5),
    sign=st.sampled_from([-1, 1]),
)
def test_checkers_accept_their_own_truth_in_any_format(
    seed: int, pick: int, marker: str, style: int, error: float, sign: int
) -> None:
    task = generate_tasks(seed, 3, verifiable_share=1.0)[pick]
    assert task.reference is not None
    ref = json.loads(task.reference)
    preamble = "Working: 3 steps, 10% off, 12 months.\n"
    if ref["kind"] == "schedule":
        right = preamble + marker + _render_order(ref["solution"], style)
        wrong = preamble + marker + _render_order(ref["labels"], style)
    elif ref["kind"] == "allocation":
        chosen = ", ".join(ref["chosen"])
        right = f"{preamble}{marker}{ref['answer']} points; {chosen}"
        wrong = f"{preamble}{marker}{round(ref['answer'] * (1 + sign * error)) + sign}; {chosen}"
    else:
        right = preamble + marker + _render_number(ref["answer"], style)
        wrong = preamble + marker + _render_number(ref["answer"] * (1 + sign * error), style)
    assert check_answer(task.reference, right).correct, right
    assert check_answer(task.reference, wrong).correct is False, wrong
