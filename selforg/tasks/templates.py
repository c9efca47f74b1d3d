"""Templates for the open-ended (judge-only) tasks, one builder per level.

Each builder draws an organisation, systems, facts with fresh numbers, a trigger, constraints,
step actions and a deliverable from the task's domains, and then one of several phrasings.
Two tasks therefore share at most some connective wording, never their substance; the
generator still rejects near-duplicates as a guarantee. Every prompt names a concrete
deliverable and states its step count, so the `steps` column describes the text agents get.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from selforg.tasks.domain import Domain
from selforg.tasks.draft import Draft
from selforg.tasks.framing import (
    facts,
    pick_conflict,
    split,
    take_actions,
    withheld_text,
)
from selforg.tasks.levels import LEVEL_SPECS
from selforg.tasks.text import cap, join_and, numbered

_INTEGRATION = (
    "reconcile the {a} and {b} findings into one plan",
    "check every {a} change against the {b} constraint",
    "sequence the work so {sa} and {sb} changes do not collide",
    "agree one budget and timeline covering {a} and {b}",
    "name one owner per hand-off between {a} and {b}",
)


def _steps(rng: random.Random, level: str) -> int:
    low, high = LEVEL_SPECS[level].steps
    return rng.randint(low, high)


def build_l1(rng: random.Random, domains: Sequence[Domain]) -> Draft:
    """One domain, independent steps: the prompt says they can be done in any order."""
    d = domains[0]
    org = rng.choice(d.organisations)
    system = rng.choice(d.systems)
    f1, f2 = facts(rng, [d, d])
    trigger = rng.choice(d.triggers)
    limit = rng.choice(d.constraints)
    out = rng.choice(d.deliverables)
    n = _steps(rng, "L1")
    steps = numbered(take_actions(rng, d, n))
    title = out.title.lower()
    variants = (
        f"{org.name} ({org.profile}) needs {out.description} for {system}, {trigger}. "
        f"Today {f1}, and {f2}. Constraint: {limit}. Work through {n} independent steps: "
        f"{steps}. Deliver the {title} itself as your final answer.",
        f"You advise {org.name}, {org.profile}. {cap(trigger)}, its leadership wants "
        f"{out.description}. Scope: {system} only. Known facts: {f1}; {f2}. Keep in mind "
        f"that {limit}. Cover these {n} points; none depends on another: {steps}. Your answer "
        f"must be the finished {title}, not advice on how to write it.",
        f"Request from the {d.name} lead at {org.name}: produce {out.description}. Focus on "
        f"{system}. Why now: {trigger}. What we know: {f1}; {f2}. Limit: {limit}. The {n} "
        f"steps below can be done in any order: {steps}. End with the complete {title}.",
    )
    return Draft(
        title=f"{out.title} for {org.name}",
        prompt=rng.choice(variants),
        domains=(d.name,),
        steps=n,
    )


def build_l2(rng: random.Random, domains: Sequence[Domain]) -> Draft:
    """Two domains whose work must be merged: integration steps close the list."""
    d1, d2 = domains[0], domains[1]
    org = rng.choice(d1.organisations)
    s1, s2 = rng.choice(d1.systems), rng.choice(d2.systems)
    f1, f2 = facts(rng, [d1, d2])
    c1, c2 = rng.choice(d1.constraints), rng.choice(d2.constraints)
    trigger = rng.choice(d1.triggers)
    out = rng.choice(rng.choice([d1, d2]).deliverables)
    n = _steps(rng, "L2")
    n_join = 1 if n < 8 else 2
    k1, k2 = split(rng, n - n_join, 2, minimum=2)
    joins = [j.format(a=d1.name, b=d2.name, sa=s1, sb=s2) for j in rng.sample(_INTEGRATION, n_join)]
    steps = numbered(take_actions(rng, d1, k1) + take_actions(rng, d2, k2) + joins)
    title = out.title.lower()
    variants = (
        f"{org.name} ({org.profile}) needs {out.description}, {trigger}. The work spans "
        f"{d1.name} and {d2.name}: {s1} and {s2} must change together. Facts: {f1}; {f2}. "
        f"Constraints: {c1}; {c2}. Steps ({n}): {steps}. Deliver one integrated {title}, not "
        f"two separate documents.",
        f"{cap(trigger)}, {org.name}, {org.profile}, asked for {out.description}. It depends "
        f"on {d2.name} as much as on {d1.name}: {f1}, while {f2}. Respect two limits: {c1}, "
        f"and {c2}. Plan {n} steps: {steps}. Show where the {d1.name} and {d2.name} parts "
        f"depend on each other, then give the {title}.",
        f"Joint {d1.name} and {d2.name} task at {org.name} ({org.profile}). Goal: "
        f"{out.description} covering {s1} and {s2}. Context: {trigger}; {f1}; {f2}. "
        f"Constraints: {c1}; {c2}. Work in {n} steps, merging both sides: {steps}. Final "
        f"answer: the {title}, with one timeline for both areas.",
    )
    return Draft(
        title=f"{out.title} at {org.name} ({d1.name} + {d2.name})",
        prompt=rng.choice(variants),
        domains=(d1.name, d2.name),
        steps=n,
    )


def _phases(rng: random.Random, domains: Sequence[Domain], counts: list[int]) -> str:
    """Three phases, each naming its inputs, so the dependency chain is explicit."""
    leads = list(domains[:3])
    extra = f" with {domains[3].name}" if len(domains) > 3 else ""
    outputs = [rng.choice(d.deliverables).title.lower() for d in leads]
    acts = [join_and(take_actions(rng, d, 2)) for d in leads]
    return (
        f"phase 1, {leads[0].name} ({counts[0]} steps): {acts[0]}, ending in a draft "
        f"{outputs[0]}; phase 2, {leads[1].name} ({counts[1]} steps), which needs that "
        f"{outputs[0]}: {acts[1]}, ending in a draft {outputs[1]}; phase 3, {leads[2].name}"
        f"{extra} ({counts[2]} steps), which builds on both: {acts[2]}"
    )


def build_l3(rng: random.Random, domains: Sequence[Domain]) -> Draft:
    """Three or more domains in dependent phases; each phase states what it needs."""
    d = domains[0]
    org = rng.choice(d.organisations)
    trigger = rng.choice(d.triggers)
    f1, f2, f3 = facts(rng, domains[:3])
    limit = rng.choice(rng.choice(domains).constraints)
    out = rng.choice(d.deliverables)
    n = _steps(rng, "L3")
    phases = _phases(rng, domains, split(rng, n, 3, minimum=3))
    names = join_and([x.name for x in domains])
    variants = (
        f"{org.name} ({org.profile}) is launching a programme {trigger}. It spans {names}, "
        f"and its phases depend on each other. Facts: {f1}; {f2}; {f3}. Constraint: {limit}. "
        f"Plan {n} steps in three phases: {phases}. Deliver {out.description} that shows "
        f"which phase outputs feed which later steps.",
        f"Programme brief for {org.name}, {org.profile}. {cap(trigger)}, leadership wants "
        f"{out.description}, drawing on {names}. Situation: {f1}; {f2}; {f3}. Hard limit: "
        f"{limit}. The {n} steps run in dependent phases: {phases}. No phase may start "
        f"before its inputs exist; say what happens if one slips. Final answer: the plan.",
        f"Cross-functional plan at {org.name} ({org.profile}), {trigger}: {out.description}. "
        f"Areas: {names}. Baseline: {f1}; {f2}; {f3}. Constraint: {limit}. Sequence {n} "
        f"steps as {phases}. Mark the hand-offs between phases and the critical path, then "
        f"give the finished plan.",
    )
    return Draft(
        title=f"{out.title}: {n}-step programme at {org.name}",
        prompt=rng.choice(variants),
        domains=tuple(x.name for x in domains),
        steps=n,
    )


def build_l4(rng: random.Random, domains: Sequence[Domain]) -> Draft:
    """Conflicting stakeholders, withheld information, and no single right answer."""
    d = domains[0]
    org = rng.choice(d.organisations)
    trigger = rng.choice(d.triggers)
    (fact,) = facts(rng, [rng.choice(domains[1:])])
    limit = rng.choice(rng.choice(domains).constraints)
    out = rng.choice(d.deliverables)
    low, high = LEVEL_SPECS["L4"].stakeholders
    conflict = pick_conflict(rng, domains, rng.randint(low, high))
    n = _steps(rng, "L4")
    k1 = len(conflict.parties)
    k3 = 2 if n - k1 - 1 - 3 < 2 else rng.randint(2, 3)
    k2 = n - k1 - k3 - 1
    names = join_and([x.name for x in domains])
    plan = (
        f"{k1} to map each party's interests, {k2} to assess impacts on {names}, {k3} to build "
        "options, 1 to recommend"
    )
    positions = conflict.positions()
    hidden = withheld_text(rng, conflict)
    variants = (
        f"{org.name} ({org.profile}) must settle on {out.description}, {trigger}. The parties "
        f"disagree: {positions}. {hidden} Known: {fact}. There is no single right "
        f"answer. Work in {n} steps: {plan}. Deliver a recommendation memo that makes the "
        f"trade-offs explicit.",
        f"Mediation brief, {org.name}, {org.profile}. {cap(trigger)}, it needs "
        f"{out.description}. Positions: {positions}. {hidden} Also known: {fact}. "
        f"No option will satisfy everyone and no single answer is right. In {n} steps ({plan}), "
        f"write a recommendation naming who gives up what, and why.",
        f"Contested decision at {org.name} ({org.profile}), {trigger}: {out.description}. "
        f"{cap(positions)}. {hidden} Also relevant: {fact}, and {limit}. Several defensible "
        f"answers exist; none is simply right. Plan {n} steps ({plan}) and end with the option "
        f"you recommend, its trade-offs, and what each party should be asked to disclose.",
    )
    return Draft(
        title=f"Contested {out.title.lower()} at {org.name}",
        prompt=rng.choice(variants),
        domains=tuple(x.name for x in domains),
        steps=n,
        stakeholders=tuple(p.role for p in conflict.parties),
    )


OPEN_BUILDERS: dict[str, Callable[[random.Random, Sequence[Domain]], Draft]] = {
    "L1": build_l1,
    "L2": build_l2,
    "L3": build_l3,
    "L4": build_l4,
}
