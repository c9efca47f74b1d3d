"""The three verifiable problem kinds and their ground truth, computed by code.

- cost: priced lines grouped in parts, per-part discounts, reserves that carry a share of the
  previous part's total forward (the dependency between domains or phases), a contingency
  and a fixed fee. Exact arithmetic with Fraction; the truth is rounded to cents.
- allocation: all-or-nothing options with a cost and an impact, a budget, "requires" and
  "excludes" rules. The optimum is found by enumerating every subset (at most 2^12), so it is
  exact without a solver.
- schedule: activities with "before" and "immediately after" rules, all derived from a hidden
  valid order, so at least one answer exists; the checker accepts any order meeting the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from itertools import combinations

KINDS: tuple[str, ...] = ("cost", "allocation", "schedule")
TOLERANCE = 0.005


@dataclass(frozen=True)
class Line:
    label: str
    unit: str
    quantity: int
    rate: int


@dataclass(frozen=True)
class Part:
    """A group of lines; `reserve` is a percent of the previous part's total added to this one."""

    name: str
    lines: tuple[Line, ...]
    discount: int = 0
    reserve: int = 0


@dataclass(frozen=True)
class CostProblem:
    parts: tuple[Part, ...]
    contingency: int = 0
    fee: int = 0

    @property
    def steps(self) -> int:
        """One step per priced line and per adjustment."""
        per_part = sum(len(p.lines) + bool(p.discount) + bool(p.reserve) for p in self.parts)
        return per_part + bool(self.contingency) + bool(self.fee)

    def total(self) -> float:
        previous = Fraction(0)
        grand = Fraction(0)
        for part in self.parts:
            value = Fraction(sum(line.quantity * line.rate for line in part.lines))
            value = value * (100 - part.discount) / 100 + previous * part.reserve / 100
            grand += value
            previous = value
        grand = grand * (100 + self.contingency) / 100 + self.fee
        return round(float(grand), 2)

    def reference(self) -> dict[str, object]:
        return {"kind": "cost", "answer": self.total(), "tolerance": TOLERANCE, "unit": "USD"}


@dataclass(frozen=True)
class Choice:
    name: str
    cost: int
    impact: int


@dataclass(frozen=True)
class AllocationProblem:
    """`requires` pairs are (dependent, prerequisite); `excludes` pairs cannot both be chosen."""

    options: tuple[Choice, ...]
    budget: int
    requires: tuple[tuple[str, str], ...] = ()
    excludes: tuple[tuple[str, str], ...] = ()

    def feasible(self, chosen: frozenset[str]) -> bool:
        cost = sum(o.cost for o in self.options if o.name in chosen)
        return (
            cost <= self.budget
            and all(b in chosen for a, b in self.requires if a in chosen)
            and not any(a in chosen and b in chosen for a, b in self.excludes)
        )

    @cached_property
    def optimum(self) -> tuple[int, tuple[str, ...]]:
        """Best total impact and one optimal set (the cheapest, then the first in list order)."""
        names = [o.name for o in self.options]
        impact = {o.name: o.impact for o in self.options}
        cost = {o.name: o.cost for o in self.options}
        best: tuple[int, int, tuple[str, ...]] = (0, 0, ())
        for size in range(1, len(names) + 1):
            for combo in combinations(names, size):
                if self.feasible(frozenset(combo)):
                    key = (sum(impact[n] for n in combo), -sum(cost[n] for n in combo), combo)
                    if key[:2] > best[:2]:
                        best = key
        return best[0], best[2]

    def reference(self) -> dict[str, object]:
        value, chosen = self.optimum
        return {
            "kind": "allocation",
            "answer": value,
            "tolerance": TOLERANCE,
            "unit": "impact points",
            "budget_k": self.budget,
            "chosen": list(chosen),
        }


@dataclass(frozen=True)
class ScheduleProblem:
    """`labels` in the order shown to agents; `adjacent` pairs (a, b) mean b right after a."""

    labels: tuple[str, ...]
    names: tuple[str, ...]
    before: tuple[tuple[str, str], ...]
    adjacent: tuple[tuple[str, str], ...]
    solution: tuple[str, ...]

    def reference(self) -> dict[str, object]:
        return {
            "kind": "schedule",
            "labels": list(self.labels),
            "before": [list(p) for p in self.before],
            "immediately_after": [list(p) for p in self.adjacent],
            "solution": list(self.solution),
        }


def schedule_violations(
    order: list[str],
    labels: list[str],
    before: list[list[str]],
    adjacent: list[list[str]],
) -> list[str]:
    """Why `order` breaks the schedule's rules; empty when every rule holds."""
    if sorted(order) != sorted(labels):
        return [f"order {order} is not a permutation of {labels}"]
    at = {label: i for i, label in enumerate(order)}
    problems = [f"{a} must come before {b}" for a, b in before if at[a] >= at[b]]
    problems += [f"{b} must come right after {a}" for a, b in adjacent if at[b] != at[a] + 1]
    return problems
