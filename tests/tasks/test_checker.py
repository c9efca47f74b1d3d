"""check_answer: right answers in many formats pass, wrong ones fail, for every kind."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selforg.errors import SelforgError
from selforg.tasks import KINDS, Task, check_answer, generate_tasks

COST = json.dumps({"kind": "cost", "answer": 48210.5, "tolerance": 0.005, "unit": "USD"})
ALLOCATION = json.dumps({"kind": "allocation", "answer": 165, "tolerance": 0.005})
# T5 is free; T2 < T1 < T3, and T4 right after T3.
SCHEDULE = json.dumps(
    {
        "kind": "schedule",
        "labels": ["T1", "T2", "T3", "T4", "T5"],
        "before": [["T2", "T1"], ["T1", "T3"]],
        "immediately_after": [["T3", "T4"]],
        "solution": ["T2", "T1", "T3", "T4", "T5"],
    }
)


@pytest.fixture(scope="module")
def default_tasks() -> list[Task]:
    """Seed 0, ten tasks per level: the set the near-duplicate requirement names."""
    return generate_tasks(seed=0, per_level=10)


@pytest.mark.parametrize(
    "answer",
    [
        "ANSWER: 48210.50",
        "ANSWER: $48,210.50",
        "answer: 48,210.5 USD",
        "**Answer:** $ 48 210.50",
        "Final answer = 48210",
        "Final answer - $48.21k",
        "`ANSWER: 48,000`",  # 0.44% low: inside the 0.5% tolerance
        "Lines: 12 x 1,450 = 17,400; 600 x 62 = 37,200.\nANSWER: $48,210.50\nHope this helps.",
        "I will state ANSWER: <number> at the end.\n...\nANSWER: 48210.5",
        "Subtotal 54,000, minus 10%... so the total comes to $48,210.50",  # no marker: last number
    ],
)
def test_cost_right_answers_pass(answer: str) -> None:
    assert check_answer(COST, answer)


@pytest.mark.parametrize(
    "answer",
    [
        "ANSWER: 47,500",  # 1.5% low
        "ANSWER: 48,500",  # 0.6% high
        "ANSWER: 482105",
        "ANSWER: 48,210.50 for phase 1 only.\nANSWER: 52,000",  # the last marker counts
        "The total is $48,210.50 over 12 months",  # no marker: the last number is 12
        "I could not compute it.",
        "",
        None,
    ],
)
def test_cost_wrong_or_missing_answers_fail(answer: str | None) -> None:
    assert not check_answer(COST, answer)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("ANSWER: 165", True),
        ("answer: 165 impact points (Discharge lounge, Virtual ward)", True),
        ("The best set is A, B and D with 165 points in total.", True),
        ("ANSWER: 160", False),
        ("ANSWER: 170 (A, B, C and D)", False),
    ],
)
def test_allocation_verdicts(answer: str, expected: bool) -> None:
    assert check_answer(ALLOCATION, answer) is expected


@pytest.mark.parametrize(
    "answer",
    [
        "ANSWER: T2, T1, T3, T4, T5",
        "ANSWER: T5, T2, T1, T3, T4",  # another valid order
        "answer: t2 -> t1 -> t5 -> t3 -> t4",
        "ANSWER: T-2, T-1, T-3, T-4, T-5",
        "ANSWER: T2, T1, T3, T4, T5 (T2 first, as T1 needs it)",  # later mentions explain
        "**ANSWER:**\n1. T2 scope the work\n2. T1 inventory\n3. T3 scan (needs T1)\n4. T4 rank\n"
        "5. T5 report\n\nT3 comes before T4 because ...",
        "Reasoning: T1 must follow T2.\nOrder: T2, T1, T3, T4, T5",  # no marker: last full line
    ],
)
def test_schedule_valid_orders_pass(answer: str) -> None:
    assert check_answer(SCHEDULE, answer)


@pytest.mark.parametrize(
    "answer",
    [
        "ANSWER: T1, T2, T3, T4, T5",  # T2 must precede T1
        "ANSWER: T2, T1, T3, T5, T4",  # T4 must come right after T3
        "ANSWER: T2, T1, T3, T4",  # T5 missing
        "The order is up to the team.",
        "",
    ],
)
def test_schedule_invalid_orders_fail(answer: str) -> None:
    assert not check_answer(SCHEDULE, answer)


@pytest.mark.parametrize(
    ("reference", "fragment"),
    [
        ("not json", "not JSON"),
        (json.dumps({"kind": "poem"}), "'kind' must be one of"),
        (json.dumps(["cost"]), "'kind' must be one of"),
        (json.dumps({"kind": "cost"}), "'answer' and 'tolerance' must be numbers"),
        (json.dumps({"kind": "schedule", "labels": "T1"}), "'labels' must be a list"),
        (
            json.dumps({"kind": "schedule", "labels": ["T1"], "before": [["T1", "T9"]]}),
            "'before' must be a list of label pairs",
        ),
    ],
)
def test_malformed_reference_is_a_user_error(reference: str, fragment: str) -> None:
    with pytest.raises(SelforgError, match="task reference is malformed") as err:
        check_answer(reference, "ANSWER: 1")
    assert fragment in str(err.value)


def _verifiable(default_tasks: list[Task]) -> list[Task]:
    return [t for t in default_tasks if t.verifiable]


def test_generated_references_accept_their_truth_and_reject_wrong_answers(
    default_tasks: list[Task],
) -> None:
    seen = set()
    for task in _verifiable(default_tasks):
        assert task.reference is not None
        ref = json.loads(task.reference)
        seen.add(ref["kind"])
        if ref["kind"] == "schedule":
            assert check_answer(task.reference, "ANSWER: " + ", ".join(ref["solution"]))
            # Labels are shuffled so that the order shown in the prompt breaks a rule.
            assert not check_answer(task.reference, "ANSWER: " + ", ".join(ref["labels"]))
        else:
            assert check_answer(task.reference, f"ANSWER: {ref['answer']:,}")
            assert not check_answer(task.reference, f"ANSWER: {ref['answer'] * 1.02:,.2f}")
    assert seen == set(KINDS)


_MARKERS = ["ANSWER: ", "Answer: ", "**ANSWER:** ", "answer = ", "Final answer - ", ""]


def _render_number(value: float, style: int) -> str:
    return [
        f"{value}",
        f"{value:,.2f}",
        f"${value:,.2f}",
        f"$ {value:,.0f}" if value >= 1000 else f"{value:.1f}",
        f"{value / 1000:.4f}k" if value >= 1000 else f"{value:g} points",
    ][style]


def _render_order(order: list[str], style: int) -> str:
    return [
        ", ".join(order),
        " -> ".join(order),
        " ".join(o.lower() for o in order),
        "\n" + "\n".join(f"{i}. {o} do the work" for i, o in enumerate(order, start=1)),
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
        right = preamble + marker + _render_order(ref["solution"], style % 4)
        wrong = preamble + marker + _render_order(ref["labels"], style % 4)
    else:
        right = preamble + marker + _render_number(ref["answer"], style)
        wrong = preamble + marker + _render_number(ref["answer"] * (1 + sign * error), style)
    assert check_answer(task.reference, right), right
    assert not check_answer(task.reference, wrong), wrong
