"""The generator's own space of plausible method errors on cost tasks, and the roundings a right
answer may carry.

A cost answer is checked within `COST_TOLERANCE_USD` of the exact total. That tolerance must
accept every honest rounding (the total to the dollar or the cent, each intermediate step to
the cent or the dollar) and reject every wrong method a careful reader could still fall into:
the contingency also applied to the fee, a reserve taken on the previous part before its
discount or without its own reserve, on all earlier parts, or on its own part, the discount
applied to the reserve or to the whole sum, contingency on the lines only, a per-1,000 price
taken per unit, or an adjustment left out. `evaluate` recomputes a total under any of these
methods with its own code (independent of `CostProblem.exact_total`, so the tests can compare
the two); the generator redraws a task in which some method error comes within
`MIN_METHOD_ERROR_USD` of the truth, so the margin between tolerance and the nearest wrong
method is a property of every task, not an average.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from selforg.tasks.problems import COST_TOLERANCE_USD, CostProblem

# Every method error of a generated task misses the truth by at least this much (20 times the
# tolerance). Drawn freely, a few percent of cost problems have a method error closer than
# this, some closer than the tolerance itself; those are redrawn (figures in docs/tasks.md,
# from `python -m tests.tasks.cost_margin`).
MIN_METHOD_ERROR_USD = 20 * COST_TOLERANCE_USD

RESERVE_BASES = ("total", "lines", "pre_discount", "cumulative", "own")


@dataclass(frozen=True)
class Method:
    """How a solver computes the total. The default is the method the prompt states.

    reserve_base: what a reserve is a percent of: "total" (the previous part's total: lines
    after discount plus its reserve), "lines" (the previous part's lines after discount, without
    its reserve), "pre_discount" (the previous part's lines before discount plus its reserve),
    "cumulative" (all earlier parts' totals), "own" (this part's lines after discount).
    step: round every intermediate amount to this many dollars (None: exact).
    """

    reserve_base: str = "total"
    discount_on_reserve: bool = False
    discount_on_sum: bool = False
    contingency_on_fee: bool = False
    contingency_on_lines: bool = False
    per_unit_slip: bool = False
    skip: frozenset[str] = frozenset()
    step: Fraction | None = None


def _round(value: Fraction, step: Fraction | None) -> Fraction:
    if step is None:
        return value
    return Fraction(round(value / step)) * step


def evaluate(problem: CostProblem, method: Method = Method()) -> Fraction:
    """The total `problem` comes to when computed by `method`."""
    rnd = method.step
    totals: list[Fraction] = []
    discounted_lines: list[Fraction] = []
    pre_discount: list[Fraction] = []
    discount_share = Fraction(0)
    for i, part in enumerate(problem.parts):
        per = [1 if method.per_unit_slip else x.per for x in part.lines]
        lines = sum(
            (Fraction(x.quantity * x.rate, p) for x, p in zip(part.lines, per, strict=True)),
            Fraction(0),
        )
        discount = 0 if "discount" in method.skip else part.discount
        if method.discount_on_sum:
            discount_share = Fraction(discount, 100) if discount else discount_share
            discount = 0
        reserve_pct = 0 if f"reserve{i}" in method.skip else part.reserve
        after_discount = _round(lines * (100 - discount) / 100, rnd)
        base = {
            "total": totals[-1] if totals else Fraction(0),
            "lines": discounted_lines[-1] if discounted_lines else Fraction(0),
            "pre_discount": pre_discount[-1] if pre_discount else Fraction(0),
            "cumulative": sum(totals, Fraction(0)),
            "own": after_discount,
        }[method.reserve_base]
        reserve = _round(base * reserve_pct / 100, rnd)
        if method.discount_on_reserve:
            value = _round((lines + reserve) * (100 - discount) / 100, rnd)
        else:
            value = _round(after_discount + reserve, rnd)
        totals.append(value)
        discounted_lines.append(after_discount)
        pre_discount.append(_round(lines + reserve, rnd))
    grand = sum(totals, Fraction(0))
    if method.discount_on_sum:
        grand = _round(grand * (1 - discount_share), rnd)
    contingency = 0 if "contingency" in method.skip else problem.contingency
    fee = 0 if "fee" in method.skip else problem.fee
    if method.contingency_on_lines:
        grand = _round(grand + sum(discounted_lines, Fraction(0)) * contingency / 100, rnd)
    elif method.contingency_on_fee:
        grand = _round((grand + fee) * (100 + contingency) / 100, rnd)
        fee = 0
    else:
        grand = _round(grand * (100 + contingency) / 100, rnd)
    return grand + fee


def _method_errors(problem: CostProblem) -> dict[str, Method]:
    methods = {
        "contingency also on the fee": Method(contingency_on_fee=True),
        "contingency on the lines only, not the reserves": Method(contingency_on_lines=True),
        "discount also applied to the reserve": Method(discount_on_reserve=True),
        "discount applied to the whole sum": Method(discount_on_sum=True),
        "per-1,000 price taken per unit": Method(per_unit_slip=True),
        "discount left out": Method(skip=frozenset({"discount"})),
        "contingency left out": Method(skip=frozenset({"contingency"})),
        "fee left out": Method(skip=frozenset({"fee"})),
    }
    for base in RESERVE_BASES[1:]:
        methods[f"reserve on the {base.replace('_', '-')} base"] = Method(reserve_base=base)
    for i in range(1, len(problem.parts)):
        methods[f"reserve of part {i + 1} left out"] = Method(skip=frozenset({f"reserve{i}"}))
    return methods


ROUNDINGS: dict[str, Method] = {
    "each step to the cent": Method(step=Fraction(1, 100)),
    "each step to the dollar": Method(step=Fraction(1)),
}


def method_errors(problem: CostProblem) -> dict[str, Fraction]:
    """Each wrong method that changes this problem's total, with its (signed) miss in dollars."""
    truth = problem.exact_total()
    errors = {name: evaluate(problem, m) - truth for name, m in _method_errors(problem).items()}
    return {name: miss for name, miss in errors.items() if miss != 0}


def rounding_errors(problem: CostProblem) -> dict[str, Fraction]:
    """How far each honest rounding moves the total from the exact one, in dollars."""
    truth = problem.exact_total()
    misses = {name: evaluate(problem, m) - truth for name, m in ROUNDINGS.items()}
    misses["total to the dollar"] = Fraction(round(truth)) - truth
    return misses
