"""The cost tolerance against the generator's own space of mistakes, measured.

    .venv/bin/python -m tests.tasks.cost_margin [--seeds 20] [--draws 3000]

Prints, for the cost tasks of `generate_tasks(seed, 10, verifiable_share=1.0)` over the seeds
(what the checker sees: each stored reference's method-error totals against its answer), and
for `--draws` problems drawn without the generator's redraw: the smallest miss of any method
error, which method it was, and the largest miss of any honest rounding, next to the
tolerance. docs/tasks.md quotes these figures; tests/tasks/test_mistakes.py asserts the margin.
"""

from __future__ import annotations

import argparse
import json
import random
from fractions import Fraction

from selforg.tasks import generate_tasks
from selforg.tasks.catalogue import CATALOGUE
from selforg.tasks.drawing import _draw_cost_once, draw_cost
from selforg.tasks.mistakes import MIN_METHOD_ERROR_USD, method_errors, rounding_errors
from selforg.tasks.problems import COST_TOLERANCE_USD, CostProblem

LEVELS = ("L1", "L2", "L3", "L4")


def stored(seeds: int) -> tuple[int, float, str, float]:
    """(tasks, smallest method miss, its method and task, its relative size) over references."""
    best = (float("inf"), "", 0.0)
    count = 0
    for seed in range(seeds):
        for task in generate_tasks(seed, 10, verifiable_share=1.0):
            reference = json.loads(task.reference or "{}")
            if reference.get("kind") != "cost":
                continue
            count += 1
            for name, total in reference["method_errors"].items():
                miss = abs(total - reference["answer"])
                if miss < best[0]:
                    best = (miss, f"{name} ({task.task_id}, seed {seed})",
                            miss / reference["answer"])
    return count, *best


def drawn(draws: int, redraw: bool) -> tuple[float, str, float, float]:
    """(smallest method miss, its method, largest rounding miss, share of problems with a
    method error closer than the required margin) over freshly drawn problems."""
    rng = random.Random(0)
    domains = list(CATALOGUE.values())
    smallest, which, rounding = Fraction(10**12), "", Fraction(0)
    close = 0
    for i in range(draws):
        args = (rng, rng.sample(domains, 4), LEVELS[i % 4])
        problem: CostProblem = draw_cost(*args) if redraw else _draw_cost_once(*args)
        misses = method_errors(problem)
        close += any(abs(m) < MIN_METHOD_ERROR_USD for m in misses.values())
        for name, miss in misses.items():
            if abs(miss) < smallest:
                smallest, which = abs(miss), name
        rounding = max([rounding, *(abs(v) for v in rounding_errors(problem).values())])
    return float(smallest), which, float(rounding), close / draws


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--draws", type=int, default=3000)
    args = parser.parse_args()
    print(f"tolerance: ${COST_TOLERANCE_USD:,.2f}; required margin: method errors >= "
          f"${MIN_METHOD_ERROR_USD:,.2f}")
    count, miss, where, share = stored(args.seeds)
    ratio = miss / COST_TOLERANCE_USD
    print(f"stored references, seeds 0-{args.seeds - 1}: {count} cost tasks; smallest "
          f"method-error miss ${miss:,.2f} ({share:.4%} of the total, {ratio:.0f} x the "
          f"tolerance): {where}")
    for redraw in (True, False):
        smallest, which, rounding, close = drawn(args.draws, redraw)
        label = "with the generator's redraw" if redraw else "drawn freely (no redraw)"
        print(f"{args.draws} problems {label}: smallest method-error miss ${smallest:,.2f} "
              f"({which}); {close:.1%} with one closer than ${MIN_METHOD_ERROR_USD:,.0f}; "
              f"largest honest-rounding miss ${rounding:,.2f}")


if __name__ == "__main__":
    main()
