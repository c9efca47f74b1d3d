"""The cost tolerance against the generator's own space of method errors and honest roundings."""

from __future__ import annotations

import json
import random
from fractions import Fraction
from functools import cache

import pytest

from selforg.tasks import generate_tasks
from selforg.tasks.catalogue import CATALOGUE
from selforg.tasks.drawing import draw_cost
from selforg.tasks.mistakes import (
    MIN_METHOD_ERROR_USD,
    Method,
    evaluate,
    method_errors,
    rounding_errors,
)
from selforg.tasks.problems import COST_TOLERANCE_USD, CostProblem, Line, Part

HAND = CostProblem(
    parts=(
        Part("a", (Line("x", "u", 10, 100), Line("y", "u", 5, 20)), discount=10),
        Part("b", (Line("z", "u", 2000, 50, per=1000),), reserve=10),
        Part("c", (Line("w", "u", 1, 300),), reserve=20),
    ),
    contingency=10,
    fee=100,
)


@cache
def _drawn(count: int) -> list[CostProblem]:
    rng = random.Random(2026)
    domains = list(CATALOGUE.values())
    levels = ["L1", "L2", "L3", "L4"]
    return [draw_cost(rng, rng.sample(domains, 4), levels[i % 4]) for i in range(count)]


def test_method_errors_by_hand() -> None:
    # a: 1100 * 0.9 = 990. b: 100 + 99 = 199. c: 300 + 39.8 = 339.8. Sum 1528.8;
    # * 1.1 = 1681.68; + 100 = 1781.68.
    assert HAND.exact_total() == Fraction("1781.68")
    totals = {k: HAND.exact_total() + v for k, v in method_errors(HAND).items()}
    assert totals["contingency also on the fee"] == Fraction("1791.68")  # fee * 10% more
    # b's reserve on a before its discount: 110 instead of 99 -> c's reserve 2.2 more.
    assert totals["reserve on the pre-discount base"] == Fraction("1528.8") * Fraction(
        "1.1") + 100 + (11 + Fraction("2.2")) * Fraction("1.1")
    # c's reserve on b's lines without b's reserve: 20% of 100, not of 199.
    assert totals["reserve on the lines base"] == (990 + 199 + 320) * Fraction("1.1") + 100
    # z priced per click: b = 100,000 + 99, so c's reserve is 20,019.80.
    assert totals["per-1,000 price taken per unit"] == (990 + 100099 + Fraction("20319.8")) * \
        Fraction("1.1") + 100
    assert totals["fee left out"] == HAND.exact_total() - 100
    assert "discount also applied to the reserve" not in totals  # a has no reserve


def test_the_independent_evaluator_agrees_with_the_truth() -> None:
    for problem in _drawn(300):
        assert evaluate(problem, Method()) == problem.exact_total()


def test_honest_roundings_are_within_the_tolerance() -> None:
    worst = max(abs(v) for p in _drawn(300) for v in rounding_errors(p).values())
    assert worst <= COST_TOLERANCE_USD


def test_every_method_error_misses_by_far_more_than_the_tolerance() -> None:
    """The margin: the nearest wrong method of any drawn task is >= 20 x the tolerance."""
    nearest = min(abs(v) for p in _drawn(300) for v in method_errors(p).values())
    assert nearest >= MIN_METHOD_ERROR_USD >= 20 * COST_TOLERANCE_USD


@pytest.mark.parametrize("seed", [0, 1])
def test_stored_references_keep_the_margin(seed: int) -> None:
    """What the checker sees: each task's stored method-error totals against its answer."""
    for task in generate_tasks(seed, 6, verifiable_share=1.0):
        reference = json.loads(task.reference or "{}")
        if reference["kind"] != "cost":
            continue
        assert reference["tolerance_usd"] == COST_TOLERANCE_USD
        for total in reference["method_errors"].values():
            assert abs(total - reference["answer"]) >= MIN_METHOD_ERROR_USD - 0.01
