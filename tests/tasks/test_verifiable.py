"""Verifiable prompts have one reading: units and reserve bases stated, rules that bind, and
claims about unique answers that hold (docs/tasks.md, "Verifiable tasks")."""

from __future__ import annotations

import json
import re
from functools import cache
from itertools import pairwise

import pytest

from selforg.tasks import Task, generate_tasks
from selforg.tasks.catalogue import get_domain
from selforg.tasks.problems import AllocationProblem, Choice

SEEDS = (0, 1, 2)


@cache
def _tasks(seed: int) -> list[tuple[Task, dict[str, object]]]:
    return [(t, json.loads(t.reference)) for t in generate_tasks(seed, 6, verifiable_share=1.0)
            if t.reference]


def _of(kind: str) -> list[tuple[Task, dict]]:
    return [(t, r) for s in SEEDS for t, r in _tasks(s) if r["kind"] == kind]


def test_per_thousand_prices_say_so() -> None:
    per_thousand = 0
    for task, _ in _of("cost"):
        assert "thousand" not in task.prompt, task.prompt
        found = re.findall(r"([\d,]+) (calls|clicks|copies|messages) at", task.prompt)
        for quantity, unit in found:
            per_thousand += 1
            assert re.search(rf"{quantity} {unit} at \$[\d,]+ per 1,000 {unit}", task.prompt)
    assert per_thousand > 0


def test_a_part_total_is_defined_wherever_a_reserve_refers_to_one() -> None:
    for task, _ in _of("cost"):
        if "reserve:" in task.prompt:
            assert re.search(r"A (part|phase)'s total is its lines after any discount, plus its "
                             r"reserve\.", task.prompt), task.prompt
        if "contingency" in task.prompt and "reserve:" in task.prompt:
            assert re.search(r"contingency on all (part|phase) totals", task.prompt)


def _problem(reference: dict) -> AllocationProblem:
    options = tuple(Choice(o["label"], o["cost_k"], o["impact"], o["label"])
                    for o in reference["options"])
    return AllocationProblem(options, reference["budget_k"],
                             tuple(map(tuple, reference["requires"])),
                             tuple(map(tuple, reference["excludes"])))


def test_allocations_have_a_unique_optimum_and_every_rule_binds() -> None:
    with_rules = 0
    for task, reference in _of("allocation"):
        problem = _problem(reference)
        value, sets = problem.best()
        assert (value, list(sets[0])) == (reference["answer"], reference["chosen"])
        assert len(sets) == 1, task.task_id
        rules = len(reference["requires"]) + len(reference["excludes"])
        assert len(problem.binding_rules()) == rules, task.task_id
        if rules:
            with_rules += 1
            assert problem.best(rules=False)[0] > value
            for a, b in reference["requires"]:
                assert f"{a} requires {b}" in task.prompt
    assert with_rules >= 6


def _implied(reference: dict) -> set[tuple[str, str]]:
    """Every (a, b) the rules force a before b, by transitive closure."""
    edges = {tuple(p) for p in reference["before"]} | {tuple(p) for p in
                                                       reference["immediately_after"]}
    closure = set(edges)
    while True:
        more = {(a, d) for a, b in closure for c, d in closure if b == c} - closure
        if not more:
            return closure
        closure |= more


def test_schedule_rules_fix_the_order_the_names_imply_within_each_area() -> None:
    for task, reference in _of("schedule"):
        label = dict(zip(reference["names"], reference["labels"], strict=True))
        implied = _implied(reference)
        for domain in task.domains:
            chain = [label[a] for a in get_domain(domain).activities if a in label]
            for a, b in pairwise(chain):
                assert (a, b) in implied, (task.task_id, a, b)


@pytest.mark.parametrize("level", ["L1", "L2", "L3", "L4"])
def test_claims_about_unique_answers_hold(level: str) -> None:
    for task, reference in (x for kind in ("cost", "allocation", "schedule") for x in _of(kind)):
        if task.level != level:
            continue
        if reference["kind"] == "schedule":
            several = reference["valid_orders"] > 1
            assert ("any order meeting every rule is correct" in task.prompt
                    or "Any order that meets every rule is correct" in task.prompt) == several
            assert ("the order below has exactly one" in task.prompt) == (
                level == "L4" and not several)
        if level == "L4":
            assert "no single right answer" in task.prompt
            assert "single right answer; the order below does" not in task.prompt
