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
    """Lines per part, a reserve on every part after the first, and 1-3 other adjustments."""
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
            Line(c.label, c.unit, _nice(rng.randint(*c.quantity)), _nice(rng.randint(*c.rate)))
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


def render_cost(problem: CostProblem, word: str) -> str:
    """The price list and adjustments in the order they must be applied."""
    texts = []
    for i, part in enumerate(problem.parts, start=1):
        lines = "; ".join(
            f"{x.label}, {x.quantity:,} {x.unit} at {money(x.rate)}" for x in part.lines
        )
        head = "Unit costs: " if len(problem.parts) == 1 else f"{cap(word)} {i} ({part.name}): "
        text = head + lines
        if part.discount:
            text += f"; take {part.discount}% off this {word}'s subtotal"
        if part.reserve:
            text += f"; reserve: {part.reserve}% of the {word} {i - 1} total"
        texts.append(text + ".")
    tail = []
    if problem.contingency:
        tail.append(f"add {problem.contingency}% contingency on the sum")
    if problem.fee:
        tail.append(f"add a {money(problem.fee)} one-off fee")
    if tail:
        texts.append(f"Then {', then '.join(tail)}.")
    return " ".join(texts)


def draw_allocation(rng: random.Random, domains: Sequence[Domain], level: str) -> AllocationProblem:
    """Options from every part; later parts' options may require earlier ones. Redrawn until
    the budget binds and the optimum combines at least two options."""
    parts_of = groups(domains, level)
    size = rng.randint(*SIZES["allocation"][level])
    caps = [sum(len(d.options) for d in g) for g in parts_of]
    per_part = split(rng, size, len(parts_of), minimum=min(2, size), caps=caps)
    pools = [
        rng.sample([o for d in g for o in d.options], n)
        for g, n in zip(parts_of, per_part, strict=True)
    ]
    n_requires, n_excludes = _RULES[level]
    for _ in range(100):
        options = tuple(
            Choice(o.name, max(5, _nice(rng.randint(*o.cost)) // 5 * 5), rng.randint(*o.impact))
            for pool in pools
            for o in pool
        )
        budget = round(sum(o.cost for o in options) * rng.uniform(0.35, 0.55) / 10) * 10
        requires = tuple(
            (rng.choice(pools[i + 1]).name, rng.choice(pools[i]).name) for i in range(n_requires)
        )
        linked = {name for pair in requires for name in pair}
        free = [o.name for o in options if o.name not in linked]
        a, b = rng.sample(free, 2)
        excludes = ((a, b),) if n_excludes else ()
        problem = AllocationProblem(options, budget, requires, excludes)
        value, chosen = problem.optimum
        if len(chosen) >= 2 and value < sum(o.impact for o in options):
            return problem
    raise RuntimeError("no allocation with a non-trivial optimum in 100 draws")


def render_allocation(problem: AllocationProblem) -> str:
    options = "; ".join(f"{o.name} (${o.cost}k, {o.impact})" for o in problem.options)
    rules = [f"{a} requires {b}" for a, b in problem.requires]
    rules += [f"{a} excludes {b}" for a, b in problem.excludes]
    text = f"Options (cost, impact points): {options}."
    if rules:
        text += f" Rules: {'; '.join(rules)}."
    return text


def draw_schedule(rng: random.Random, domains: Sequence[Domain], level: str) -> ScheduleProblem:
    """Activities from each part's chain, interleaved into a hidden valid order from which the
    rules are derived; labels follow a shuffled order that breaks at least one rule."""
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
    before = [pair for c in chains for pair in pairwise(c) if rng.random() < 0.8]
    for _ in range(len(chains) - 1 + (level in ("L3", "L4"))):
        i, j = sorted(rng.sample(range(len(hidden)), 2))
        if (hidden[i], hidden[j]) not in before:
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
