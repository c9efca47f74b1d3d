"""Verifiable tasks: a drawn problem, framed for its level, with code-computed ground truth.

The prompt tells agents the exact final format (`ANSWER: <number>`, `ANSWER: <impact>; P?,
...` or `ANSWER: T?, T?, ...`); `selforg.tasks.checker.check_answer` then decides correctness
from the stored reference. What the prompt claims about the checkable part is true: a cost has
one total and an allocation one best selection (unique by construction); a schedule with
several valid orders says that any of them is correct, one with a single valid order says so
on L4. On L4 the dispute around the problem stays open-ended (no single right answer).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from selforg.tasks.domain import Domain
from selforg.tasks.draft import Draft
from selforg.tasks.drawing import (
    draw_allocation,
    draw_cost,
    draw_schedule,
    render_allocation,
    render_cost,
    render_schedule,
)
from selforg.tasks.framing import pick_conflict, withheld_text
from selforg.tasks.mistakes import method_errors
from selforg.tasks.text import cap, join_and

_NUMBER_FORMAT = "`ANSWER: <number>`"
_ORDER_FORMAT = "`ANSWER: T?, T?, ...`"
_SELECTION_FORMAT = "`ANSWER: <impact>; P?, P?, ...`"


@dataclass(frozen=True)
class _Setting:
    text: str
    org: str
    stakeholders: tuple[str, ...] = ()


def _setting(rng: random.Random, domains: Sequence[Domain], level: str, kind: str) -> _Setting:
    """The situation sentence(s): what ties the domains together at this level."""
    d = domains[0]
    org = rng.choice(d.organisations)
    who = f"{org.name} ({org.profile})"
    trigger = rng.choice(d.triggers)
    names = join_and([x.name for x in domains])
    if level == "L1":
        system = rng.choice(d.systems)
        text = {
            "cost": f"{who} is pricing work on {system}, {trigger}.",
            "allocation": f"{who} must choose {d.name} projects, {trigger}.",
            "schedule": f"{who} must sequence {d.name} work on {system}, {trigger}.",
        }[kind]
    elif level == "L2":
        text = {
            "cost": f"{who} needs one budget for {names}, {trigger}; the second part carries a "
            "reserve based on the first.",
            "allocation": f"{who} funds {names} projects from one budget, {trigger}; one "
            "option depends on the other area.",
            "schedule": f"{who} must merge its {names} activities into one sequence, {trigger}; "
            "some rules link the two areas.",
        }[kind]
    elif level == "L3":
        text = {
            "cost": f"{who} is costing a three-phase programme across {names}, {trigger}; each "
            "phase's reserve depends on the previous phase's total.",
            "allocation": f"{who} funds a phased programme across {names}, {trigger}; later "
            "phases' options depend on earlier ones.",
            "schedule": f"{who} must sequence a three-phase programme across {names}, "
            f"{trigger}; rules link the phases.",
        }[kind]
    else:
        conflict = pick_conflict(rng, domains[:3], 3)
        text = (
            f"{org.name} faces a dispute spanning {names}. {cap(conflict.positions())}. "
            f"{withheld_text(rng, conflict)} The dispute has no single right answer"
        )
        return _Setting(text, org.name, tuple(p.role for p in conflict.parties))
    return _Setting(text, org.name)


def _core(level: str, kind: str, unique: bool) -> str:
    """What the prompt claims about the checkable part's answers; true by construction (cost,
    allocation) or by count (schedule). On L4 it completes the "no single right answer"
    sentence of the setting."""
    if level != "L4":
        return "" if unique else " Any order that meets every rule is correct."
    return {
        "cost": "; the cost below has exactly one.",
        "allocation": "; the best selection below is unique.",
        "schedule": "; the order below has exactly one." if unique else
        ", nor has the order below: any order meeting every rule is correct.",
    }[kind]


def build_verifiable(rng: random.Random, domains: Sequence[Domain], level: str, kind: str) -> Draft:
    """A verifiable task of `kind` (cost, allocation, schedule) at `level`."""
    setting = _setting(rng, domains, level, kind)
    org = setting.org
    unique = True
    if kind == "cost":
        cost = draw_cost(rng, domains, level)
        steps = cost.steps
        reference = cost.reference() | {
            "method_errors": {
                name: round(float(cost.exact_total() + miss), 2)
                for name, miss in method_errors(cost).items()
            }
        }
        word = "phase" if level in ("L3", "L4") else "part"
        body = (
            f"{render_cost(cost, word, named=level != 'L4')} Follow the order given ({steps} "
            f"steps); state the total in dollars as {_NUMBER_FORMAT}."
        )
        title = f"Budget calculation for {org}"
    elif kind == "allocation":
        allocation = draw_allocation(rng, domains, level)
        steps, reference = len(allocation.options), allocation.reference()
        body = (
            f"Budget: ${allocation.budget}k. {render_allocation(allocation)} Options are "
            f"all-or-nothing; weigh all {steps}. State the highest total impact within budget "
            f"and its options as {_SELECTION_FORMAT}."
        )
        title = f"Funding allocation at {org}"
    else:
        schedule = draw_schedule(rng, domains, level)
        steps, reference = len(schedule.labels), schedule.reference()
        unique = schedule.valid_orders == 1
        body = (
            f"{render_schedule(schedule)} State an order of all {steps} activities that meets "
            f"every rule as {_ORDER_FORMAT}, each label once."
        )
        title = f"Activity sequence for {org}"
    core = _core(level, kind, unique)
    head = f"{setting.text}{core}" if level == "L4" else setting.text
    tail = "" if level == "L4" else core
    return Draft(
        title=title,
        prompt=f"{head} {body}{tail}",
        domains=tuple(x.name for x in domains),
        steps=steps,
        stakeholders=setting.stakeholders,
        reference=reference,
    )
