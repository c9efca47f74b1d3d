"""Ground truth computed by code: checked against hand calculations and brute force."""

from __future__ import annotations

import random
from itertools import product

from selforg.tasks.problems import (
    COST_TOLERANCE_USD,
    AllocationProblem,
    Choice,
    CostProblem,
    Line,
    Part,
    ScheduleProblem,
    schedule_violations,
)


def test_cost_total_by_hand() -> None:
    problem = CostProblem(
        parts=(
            Part("a", (Line("x", "u", 10, 100), Line("y", "u", 5, 20)), discount=10),
            Part("b", (Line("z", "u", 2, 50),), reserve=10),
        ),
        contingency=10,
        fee=100,
    )
    # Part a: (1000 + 100) * 0.9 = 990. Part b: 100 + 10% of 990 = 199.
    # (990 + 199) * 1.1 + 100 = 1407.9
    assert problem.total() == 1407.9
    assert problem.steps == 3 + 1 + 1 + 1 + 1
    assert problem.reference() == {
        "kind": "cost",
        "answer": 1407.9,
        "tolerance_usd": COST_TOLERANCE_USD,
        "unit": "USD",
    }


def test_per_thousand_lines_are_priced_per_block() -> None:
    line = Line("paid search", "clicks", 22000, 2200, per=1000)
    assert line.cost == 22 * 2200
    assert CostProblem((Part("a", (line,)),)).total() == 48400.0


def test_allocation_reference_carries_what_the_checker_needs() -> None:
    problem = AllocationProblem(
        options=(Choice("A", 10, 1, "P1"), Choice("B", 10, 50, "P2"), Choice("C", 10, 40, "P3"),
                 Choice("D", 10, 30, "P4")),
        budget=30,
        requires=(("B", "A"),),
        excludes=(("C", "D"),),
    )
    assert problem.reference() == {
        "kind": "allocation", "answer": 91, "unit": "impact points", "budget_k": 30,
        "options": [{"label": f"P{i}", "name": n, "cost_k": 10, "impact": v}
                    for i, (n, v) in enumerate(zip("ABCD", (1, 50, 40, 30), strict=True),
                                               start=1)],
        "requires": [["P2", "P1"]], "excludes": [["P3", "P4"]], "chosen": ["P1", "P2", "P3"],
    }


def test_binding_rules_are_those_whose_removal_raises_the_optimum() -> None:
    options = (Choice("A", 10, 1), Choice("B", 10, 50), Choice("C", 10, 40), Choice("D", 10, 30))
    # Two options fit: the best is A + B = 51; without "B requires A" it is B + C = 90,
    # without "C excludes D" it is C + D = 70.
    tight = AllocationProblem(options, 20, (("B", "A"),), (("C", "D"),))
    assert tight.optimum == (51, ("A", "B"))
    assert tight.binding_rules() == [("requires", "B", "A"), ("excludes", "C", "D")]
    # With room for all four, only the exclusion keeps D out; A is bought anyway.
    loose = AllocationProblem(options, 40, (("B", "A"),), (("C", "D"),))
    assert loose.binding_rules() == [("excludes", "C", "D")]
    assert AllocationProblem(options, 40).best() == (121, [("A", "B", "C", "D")])


def test_allocation_best_lists_every_optimal_set() -> None:
    problem = AllocationProblem((Choice("A", 10, 5), Choice("B", 10, 5), Choice("C", 20, 9)), 20)
    assert problem.best() == (10, [("A", "B")])
    tie = AllocationProblem((Choice("A", 10, 5), Choice("B", 10, 5), Choice("C", 20, 10)), 20)
    assert tie.best() == (10, [("C",), ("A", "B")])


def test_allocation_beats_greedy_when_greedy_is_wrong() -> None:
    problem = AllocationProblem(
        options=(Choice("A", 60, 60), Choice("B", 50, 45), Choice("C", 50, 45)),
        budget=100,
    )
    # Greedy by impact per cost takes A (ratio 1.0) and then nothing fits: 60.
    assert problem.optimum == (90, ("B", "C"))


def test_allocation_rules_are_respected() -> None:
    problem = AllocationProblem(
        options=(Choice("A", 10, 1), Choice("B", 10, 50), Choice("C", 10, 40), Choice("D", 10, 30)),
        budget=30,
        requires=(("B", "A"),),
        excludes=(("C", "D"),),
    )
    value, chosen = problem.optimum
    assert (value, set(chosen)) == (91, {"A", "B", "C"})
    assert not problem.feasible(frozenset({"B", "C"}) | {"D"})
    assert not problem.feasible(frozenset({"B"}))


def _brute_force(problem: AllocationProblem) -> int:
    """An independent optimum: every 0/1 vector, rules checked inline."""
    best = 0
    names = [o.name for o in problem.options]
    for bits in product([0, 1], repeat=len(names)):
        chosen = {n for n, b in zip(names, bits, strict=True) if b}
        cost = sum(o.cost for o in problem.options if o.name in chosen)
        ok = cost <= problem.budget
        ok = ok and all(b in chosen for a, b in problem.requires if a in chosen)
        ok = ok and not any({a, b} <= chosen for a, b in problem.excludes)
        if ok:
            best = max(best, sum(o.impact for o in problem.options if o.name in chosen))
    return best


def test_allocation_optimum_matches_brute_force_on_random_instances() -> None:
    rng = random.Random(42)
    for _ in range(60):
        n = rng.randint(3, 10)
        options = tuple(Choice(f"O{i}", rng.randint(5, 90), rng.randint(1, 60)) for i in range(n))
        names = [o.name for o in options]
        problem = AllocationProblem(
            options,
            budget=rng.randint(20, 300),
            requires=(tuple(rng.sample(names, 2)),),  # type: ignore[arg-type]
            excludes=(tuple(rng.sample(names, 2)),),  # type: ignore[arg-type]
        )
        value, chosen = problem.optimum
        assert value == _brute_force(problem)
        assert problem.feasible(frozenset(chosen)) or value == 0


def test_schedule_violations_explain_each_broken_rule() -> None:
    labels = ["T1", "T2", "T3"]
    assert schedule_violations(["T2", "T1", "T3"], labels, [["T2", "T1"]], [["T1", "T3"]]) == []
    assert schedule_violations(["T1", "T3", "T2"], labels, [["T2", "T1"]], [["T1", "T3"]]) == [
        "T2 must come before T1"
    ]
    assert schedule_violations(["T1", "T2"], labels, [], []) == [
        "order ['T1', 'T2'] is not a permutation of ['T1', 'T2', 'T3']"
    ]


def _orders_by_brute_force(problem: ScheduleProblem) -> int:
    from itertools import permutations

    return sum(
        not schedule_violations(list(order), list(problem.labels),
                                [list(p) for p in problem.before],
                                [list(p) for p in problem.adjacent])
        for order in permutations(problem.labels)
    )


def test_valid_orders_counts_like_brute_force() -> None:
    rng = random.Random(7)
    for _ in range(40):
        n = rng.randint(3, 7)
        labels = tuple(f"T{i}" for i in range(1, n + 1))
        hidden = rng.sample(labels, n)
        before = tuple({tuple(sorted(rng.sample(range(n), 2))) for _ in range(rng.randint(0, 4))})
        k = rng.randrange(n - 1)
        problem = ScheduleProblem(
            labels=labels,
            names=labels,
            before=tuple((hidden[i], hidden[j]) for i, j in before),
            adjacent=((hidden[k], hidden[k + 1]),) if rng.random() < 0.5 else (),
            solution=tuple(hidden),
        )
        assert problem.valid_orders == _orders_by_brute_force(problem) >= 1
