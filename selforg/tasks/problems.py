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

KINDS: tuple[str, ...] = ("cost", "allocation", "schedule")
# A cost answer is right within this many dollars of the exact total: rounding the total or
# every intermediate step to the dollar or the cent passes (under $2 measured), every
# method error of selforg.tasks.mistakes misses by at least 20 times as much (the generator
# redraws a task where one would not; docs/tasks.md gives the measured margin).
COST_TOLERANCE_USD = 5.0


@dataclass(frozen=True)
class Line:
    """`quantity` units at `rate` dollars per `per` units (per = 1000: priced by the thousand)."""

    label: str
    unit: str
    quantity: int
    rate: int
    per: int = 1

    @property
    def cost(self) -> Fraction:
        return Fraction(self.quantity * self.rate, self.per)


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

    def exact_total(self) -> Fraction:
        """A part's total is its lines after its discount plus its reserve, a percent of the
        previous part's total; contingency applies to the sum of the part totals, the fee last."""
        previous = Fraction(0)
        grand = Fraction(0)
        for part in self.parts:
            value = sum((line.cost for line in part.lines), Fraction(0))
            value = value * (100 - part.discount) / 100 + previous * part.reserve / 100
            grand += value
            previous = value
        return grand * (100 + self.contingency) / 100 + self.fee

    def total(self) -> float:
        return round(float(self.exact_total()), 2)

    def reference(self) -> dict[str, object]:
        return {"kind": "cost", "answer": self.total(), "tolerance_usd": COST_TOLERANCE_USD,
                "unit": "USD"}


@dataclass(frozen=True)
class Choice:
    """A fundable option: `label` (P1, P2, ...) as the prompt shows it, cost in $k, impact."""

    name: str
    cost: int
    impact: int
    label: str = ""


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

    def best(self, rules: bool = True) -> tuple[int, list[tuple[str, ...]]]:
        """The best total impact and every feasible set reaching it, smallest sets first (budget
        always applies; `rules=False` ignores requires/excludes). Every subset is enumerated as
        a bit mask (at most 2^12), its cost and impact built from the mask without its lowest
        bit, so this stays exact and fast without a solver."""
        n = len(self.options)
        bit = {o.name: 1 << i for i, o in enumerate(self.options)}
        requires = [(bit[a], bit[b]) for a, b in self.requires] if rules else []
        excludes = [bit[a] | bit[b] for a, b in self.excludes] if rules else []
        cost, impact = [0] * (1 << n), [0] * (1 << n)
        best, masks = 0, [0]
        for mask in range(1, 1 << n):
            low = mask & -mask
            option = self.options[low.bit_length() - 1]
            cost[mask] = cost[mask ^ low] + option.cost
            impact[mask] = impact[mask ^ low] + option.impact
            if cost[mask] > self.budget or impact[mask] < best:
                continue
            if any(mask & a and not mask & b for a, b in requires):
                continue
            if any(mask & pair == pair for pair in excludes):
                continue
            if impact[mask] > best:
                best, masks = impact[mask], [mask]
            else:
                masks.append(mask)
        sets = [tuple(o.name for i, o in enumerate(self.options) if m >> i & 1) for m in masks]
        sets.sort(key=lambda combo: (len(combo), [bit[name] for name in combo]))
        return best, sets

    @cached_property
    def optimum(self) -> tuple[int, tuple[str, ...]]:
        """Best total impact and one optimal set (the cheapest, then the first in list order)."""
        value, sets = self.best()
        cost = {o.name: o.cost for o in self.options}
        return value, min(sets, key=lambda combo: sum(cost[n] for n in combo))

    def binding_rules(self) -> list[tuple[str, str, str]]:
        """The rules whose removal alone raises the best impact: ("requires" | "excludes", a, b)."""
        value = self.optimum[0]
        binding = []
        for kind in ("requires", "excludes"):
            pairs: tuple[tuple[str, str], ...] = getattr(self, kind)
            for pair in pairs:
                rest = tuple(p for p in pairs if p != pair)
                relaxed = AllocationProblem(
                    self.options, self.budget,
                    rest if kind == "requires" else self.requires,
                    rest if kind == "excludes" else self.excludes,
                )
                if relaxed.optimum[0] > value:
                    binding.append((kind, *pair))
        return binding

    def reference(self) -> dict[str, object]:
        value, chosen = self.optimum
        label = {o.name: o.label for o in self.options}
        return {
            "kind": "allocation",
            "answer": value,
            "unit": "impact points",
            "budget_k": self.budget,
            "options": [
                {"label": o.label, "name": o.name, "cost_k": o.cost, "impact": o.impact}
                for o in self.options
            ],
            "requires": [[label[a], label[b]] for a, b in self.requires],
            "excludes": [[label[a], label[b]] for a, b in self.excludes],
            "chosen": [label[n] for n in chosen],
        }


@dataclass(frozen=True)
class ScheduleProblem:
    """`labels` in the order shown to agents; `adjacent` pairs (a, b) mean b right after a."""

    labels: tuple[str, ...]
    names: tuple[str, ...]
    before: tuple[tuple[str, str], ...]
    adjacent: tuple[tuple[str, str], ...]
    solution: tuple[str, ...]

    @cached_property
    def valid_orders(self) -> int:
        """How many orders meet every rule: a count over (placed set, last activity) states."""
        index = {label: i for i, label in enumerate(self.labels)}
        needs = [0] * len(self.labels)
        for a, b in (*self.before, *self.adjacent):
            needs[index[b]] |= 1 << index[a]
        follower = dict(self.adjacent)
        leader = {b: a for a, b in self.adjacent}
        ways: dict[tuple[int, int], int] = {(0, -1): 1}
        for _ in self.labels:
            step: dict[tuple[int, int], int] = {}
            for (mask, last), count in ways.items():
                due = follower.get(self.labels[last]) if last >= 0 else None
                for i, label in enumerate(self.labels):
                    if mask >> i & 1 or needs[i] & ~mask:
                        continue
                    if due is not None and label != due:
                        continue
                    if label in leader and (last < 0 or self.labels[last] != leader[label]):
                        continue
                    key = (mask | 1 << i, i)
                    step[key] = step.get(key, 0) + count
            ways = step
        return sum(ways.values())

    def reference(self) -> dict[str, object]:
        return {
            "kind": "schedule",
            "labels": list(self.labels),
            "names": list(self.names),
            "before": [list(p) for p in self.before],
            "immediately_after": [list(p) for p in self.adjacent],
            "solution": list(self.solution),
            "valid_orders": self.valid_orders,
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
