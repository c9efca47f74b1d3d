"""Draw verifiable problems from the catalogue and render their fact block.

The level shapes the problem, not only the wording: L1 uses one domain and no rules between
items; L2 ties its two domains together (a reserve carried from one part to the other, a
cross-domain "requires" rule, a cross-domain ordering rule); L3 and L4 chain three phases.
Sizes stay below the level's maximum step count so prompts remain short enough for a small
local model.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from itertools import pairwise

from selforg.tasks.domain import Domain
from selforg.tasks.framing import split
from selforg.tasks.mistakes import MIN_METHOD_ERROR_USD, method_errors
from selforg.tasks.problems import (
    AllocationProblem,
    Choice,
    CostProblem,
    Line,
    Part,
    ScheduleProblem,
    schedule_violations,
)
from selforg.tasks.text import cap, join_and, money

# Step (= priced line or adjustment, option, activity) ranges per kind and level.
SIZES: dict[str, dict[str, tuple[int, int]]] = {
    "cost": {"L1": (3, 5), "L2": (5, 9), "L3": (10, 13), "L4": (10, 10)},
    "allocation": {"L1": (4, 5), "L2": (5, 8), "L3": (10, 11), "L4": (10, 10)},
    "schedule": {"L1": (4, 5), "L2": (5, 8), "L3": (10, 12), "L4": (10, 10)},
}
_RULES = {"L1": (0, 0), "L2": (1, 0), "L3": (2, 1), "L4": (2, 1)}  # (requires, excludes)
# Most priced lines a cost task may list; L4 keeps its list short to leave room for the dispute.
_MAX_LINES = {"L1": 4, "L2": 7, "L3": 9, "L4": 6}


def _nice(value: int) -> int:
    """Round to two significant digits from 100 up, as real prices and quantities are."""
    if value < 100:
        return value
    scale = 10 ** (len(str(value)) - 2)
    return round(value / scale) * scale


def groups(domains: Sequence[Domain], level: str) -> list[list[Domain]]:
    """Which domains feed which part: one part on L1, one per domain on L2, three phases on
    L3/L4 with a fourth domain sharing the last phase."""
    if level == "L1":
        return [[domains[0]]]
    if level == "L2":
        return [[domains[0]], [domains[1]]]
    return [[domains[0]], [domains[1]], list(domains[2:])]


def draw_cost(rng: random.Random, domains: Sequence[Domain], level: str) -> CostProblem:
    """Lines per part, a reserve on every part after the first, and 1-3 other adjustments.
    Redrawn until every plausible method error (selforg.tasks.mistakes) misses the truth by at
    least MIN_METHOD_ERROR_USD, so the checker's tolerance cannot pass a wrong method."""
    for _ in range(100):
        problem = _draw_cost_once(rng, domains, level)
        misses = method_errors(problem).values()
        if all(abs(miss) >= MIN_METHOD_ERROR_USD for miss in misses):
            return problem
    raise RuntimeError("no cost problem whose method errors all exceed the margin in 100 draws")


def _draw_cost_once(rng: random.Random, domains: Sequence[Domain], level: str) -> CostProblem:
    parts_of = groups(domains, level)
    steps = rng.randint(*SIZES["cost"][level])
    reserves = len(parts_of) - 1
    caps = [sum(len(d.cost_items) for d in g) for g in parts_of]
    max_lines = min(_MAX_LINES[level], sum(caps))
    extras = rng.randint(max(1, steps - reserves - max_lines), min(3, steps - reserves - 2))
    counts = split(rng, steps - reserves - extras, len(parts_of), caps=caps)
    adjustments = rng.sample(["discount", "contingency", "fee"], extras)
    discounted = rng.randrange(len(parts_of))
    parts = []
    for i, (group, count) in enumerate(zip(parts_of, counts, strict=True)):
        items = rng.sample([c for d in group for c in d.cost_items], count)
        lines = tuple(
            Line(c.label, c.unit, _nice(rng.randint(*c.quantity)), _nice(rng.randint(*c.rate)),
                 c.per)
            for c in items
        )
        discount = rng.randint(4, 15) if "discount" in adjustments and i == discounted else 0
        reserve = rng.randint(5, 20) if i > 0 else 0
        parts.append(Part(join_and([d.name for d in group]), lines, discount, reserve))
    return CostProblem(
        parts=tuple(parts),
        contingency=rng.randint(5, 15) if "contingency" in adjustments else 0,
        fee=rng.randrange(1000, 20001, 500) if "fee" in adjustments else 0,
    )


def _line(line: Line) -> str:
    """'smart meters, 6,700 meters at $180'; per-1,000 prices say so."""
    per = f" per {line.per:,} {line.unit}" if line.per != 1 else ""
    return f"{line.label}, {line.quantity:,} {line.unit} at {money(line.rate)}{per}"


def render_cost(problem: CostProblem, word: str, named: bool = True) -> str:
    """The price list and adjustments in the order they must be applied. With several parts,
    one sentence defines a part's total, so a reserve's base has a single reading. `named`
    puts each part's domains in brackets (L4 names them in its dispute sentence instead)."""
    texts = []
    several = len(problem.parts) > 1
    if several:
        texts.append(f"A {word}'s total is its lines after any discount, plus its reserve.")
    for i, part in enumerate(problem.parts, start=1):
        lines = "; ".join(_line(x) for x in part.lines)
        name = f" ({part.name})" if named else ""
        head = f"{cap(word)} {i}{name}: " if several else "Unit costs: "
        text = head + lines
        if part.discount:
            text += f"; take {part.discount}% off these lines"
        if part.reserve:
            text += f"; reserve: {part.reserve}% of the {word} {i - 1} total"
        texts.append(text + ".")
    tail = []
    if problem.contingency:
        whole = f"all {word} totals" if several else "the sum"
        tail.append(f"add {problem.contingency}% contingency on {whole}")
    if problem.fee:
        tail.append(f"add a {money(problem.fee)} one-off fee")
    if tail:
        texts.append(f"Then {', then '.join(tail)}.")
    return " ".join(texts)


def draw_allocation(rng: random.Random, domains: Sequence[Domain], level: str) -> AllocationProblem:
    """Options from every part, labelled P1..Pn; later parts' options may require earlier ones.

    The rules are built against the budget-only optimum (a "requires" rule makes one of its
    options need an option it leaves out, an "excludes" rule splits two of its options), and
    the draw is repeated until the budget binds, the optimum combines at least two options and
    is the only optimal set, and every rule binds: dropping any one rule raises the best
    impact, so a solver who ignores a rule gets another answer.
    """
    parts_of = groups(domains, level)
    size = rng.randint(*SIZES["allocation"][level])
    caps = [sum(len(d.options) for d in g) for g in parts_of]
    per_part = split(rng, size, len(parts_of), minimum=min(2, size), caps=caps)
    pools = [
        [o.name for o in rng.sample([o for d in g for o in d.options], n)]
        for g, n in zip(parts_of, per_part, strict=True)
    ]
    drawn = {o.name: o for d in domains for o in d.options}
    n_requires, n_excludes = _RULES[level]
    for _ in range(300):
        options = tuple(
            Choice(name, max(5, _nice(rng.randint(*drawn[name].cost)) // 5 * 5),
                   rng.randint(*drawn[name].impact), f"P{k}")
            for k, name in enumerate((n for pool in pools for n in pool), start=1)
        )
        budget = round(sum(o.cost for o in options) * rng.uniform(0.35, 0.55) / 10) * 10
        problem = _with_binding_rules(rng, AllocationProblem(options, budget), pools,
                                      n_requires, n_excludes)
        if problem is None:
            continue
        value, sets = problem.best()
        if (
            len(sets) == 1
            and len(sets[0]) >= 2
            and value < sum(o.impact for o in options)
            and len(problem.binding_rules()) == n_requires + n_excludes
        ):
            return problem
    raise RuntimeError("no allocation with a unique optimum and binding rules in 300 draws")


def _with_binding_rules(
    rng: random.Random, free: AllocationProblem, pools: list[list[str]], n_requires: int,
    n_excludes: int,
) -> AllocationProblem | None:
    """`free` plus rules that its budget-only optimum breaks, or None if there are none."""
    unconstrained = free.optimum[1]
    requires = []
    for i in range(n_requires):
        dependents = [n for n in pools[i + 1] if n in unconstrained]
        prerequisites = [n for n in pools[i] if n not in unconstrained]
        if not dependents or not prerequisites:
            return None
        requires.append((rng.choice(dependents), rng.choice(prerequisites)))
    linked = {name for pair in requires for name in pair}
    excludes: list[tuple[str, str]] = []
    if n_excludes:
        candidates = [n for n in unconstrained if n not in linked]
        if len(candidates) < 2:
            return None
        a, b = rng.sample(candidates, 2)
        excludes.append((a, b))
    return AllocationProblem(free.options, free.budget, tuple(requires), tuple(excludes))


def render_allocation(problem: AllocationProblem) -> str:
    label = {o.name: o.label for o in problem.options}
    options = "; ".join(f"{o.label} {o.name} (${o.cost}k, {o.impact})" for o in problem.options)
    rules = [f"{label[a]} requires {label[b]}" for a, b in problem.requires]
    rules += [f"{label[a]} excludes {label[b]} (not both)" for a, b in problem.excludes]
    text = f"Options (cost, impact points): {options}."
    if rules:
        text += f" Rules: {'; '.join(rules)}."
    return text


def draw_schedule(rng: random.Random, domains: Sequence[Domain], level: str) -> ScheduleProblem:
    """Activities from each part's chain, interleaved into a hidden valid order from which the
    rules are derived; labels follow a shuffled order that breaks at least one rule.

    Every consecutive pair of a chain is a rule, so the order the activity names imply within
    an area ("build and connect" before "commission and test") is always required; the
    cross-area rules and the "immediately after" rule come from the hidden order. Orders that
    interleave the areas differently but meet every rule are equally right, and the prompt
    says so."""
    parts_of = groups(domains, level)
    size = rng.randint(*SIZES["schedule"][level])
    caps = [sum(len(d.activities) for d in g) for g in parts_of]
    counts = split(rng, size, len(parts_of), minimum=min(2, size), caps=caps)
    chains = []
    for group, count in zip(parts_of, counts, strict=True):
        acts = [a for d in group for a in d.activities]
        keep = sorted(rng.sample(range(len(acts)), count))
        chains.append([acts[i] for i in keep])
    hidden: list[str] = []
    queues = [list(c) for c in chains]
    while any(queues):
        hidden.append(rng.choice([q for q in queues if q]).pop(0))
    before = [pair for c in chains for pair in pairwise(c)]
    chain_of = {name: k for k, chain in enumerate(chains) for name in chain}
    for _ in range(len(chains) - 1 + (level in ("L3", "L4"))):
        i, j = sorted(rng.sample(range(len(hidden)), 2))
        if chain_of[hidden[i]] != chain_of[hidden[j]] and (hidden[i], hidden[j]) not in before:
            before.append((hidden[i], hidden[j]))
    adjacent = []
    if level != "L1":
        k = rng.randrange(len(hidden) - 1)
        adjacent.append((hidden[k], hidden[k + 1]))
        before = [p for p in before if p != adjacent[0]]
    if not before:
        before = [(hidden[0], hidden[-1])]
    shown = rng.sample(hidden, len(hidden))
    if not schedule_violations(shown, hidden, [list(p) for p in before], []):
        shown.reverse()
    label = {name: f"T{i}" for i, name in enumerate(shown, start=1)}
    rng.shuffle(before)
    return ScheduleProblem(
        labels=tuple(label[n] for n in shown),
        names=tuple(shown),
        before=tuple((label[a], label[b]) for a, b in before),
        adjacent=tuple((label[a], label[b]) for a, b in adjacent),
        solution=tuple(label[n] for n in hidden),
    )


def render_schedule(problem: ScheduleProblem) -> str:
    acts = "; ".join(f"{t} {n}" for t, n in zip(problem.labels, problem.names, strict=True))
    rules = [f"{a} before {b}" for a, b in problem.before]
    rules += [f"{b} immediately after {a}" for a, b in problem.adjacent]
    return f"Activities: {acts}. Rules: {'; '.join(rules)}."
