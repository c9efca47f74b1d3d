"""The shape of one catalogue domain: the raw material templates draw from.

A domain carries named organisations, systems, facts with ranges, triggers, constraints, step
actions and deliverables for the open-ended tasks, plus priced items, fundable options and an
ordered activity chain for the verifiable ones. Templates combine several random picks from
each field, which is what keeps two tasks of the same domain from reading alike. `Domain`
checks its own minimum sizes at import, so a new domain with too little material fails loudly
instead of producing near-duplicate tasks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Organisation:
    """A fictional organisation; `profile` is a noun phrase ("a hotel chain with 45 hotels")."""

    name: str
    profile: str


@dataclass(frozen=True)
class Fact:
    """A situational figure whose number is drawn from [low, high] for each task."""

    text: str
    low: int
    high: int

    def render(self, rng: random.Random) -> str:
        """Draw the number, rounded to two significant digits above 100 so it reads naturally."""
        n = rng.randint(self.low, self.high)
        if n >= 100:
            scale = 10 ** (len(str(n)) - 2)
            n = max(self.low, round(n / scale) * scale)
        return self.text.format(n=n)


@dataclass(frozen=True)
class Deliverable:
    """`title` names it in a task title; `description` is the noun phrase a prompt asks for."""

    title: str
    description: str


@dataclass(frozen=True)
class Stakeholder:
    """An L4 party: `goal` is a verb phrase ("wants ..."), `withholds` a neutral topic.

    `stance` groups goals that pull the same way (cost, speed, risk ...); an L4 task picks
    stakeholders with different stances so their goals conflict.
    """

    role: str
    goal: str
    withholds: str
    stance: str


@dataclass(frozen=True)
class CostItem:
    """A priced line: `quantity` units of `unit` at `rate` dollars per `per` units (ranges,
    inclusive). `per` = 1000 prices by the thousand ("41,000 clicks at $1,200 per 1,000
    clicks"); the prompt always says so, since "41 thousand clicks at $1,200" has two readings.
    """

    label: str
    unit: str
    rate: tuple[int, int]
    quantity: tuple[int, int]
    per: int = 1


@dataclass(frozen=True)
class Option:
    """A fundable option for allocation tasks: cost in $k and impact points (ranges)."""

    name: str
    cost: tuple[int, int]
    impact: tuple[int, int]


_MINIMUM = {
    "organisations": 5,
    "systems": 6,
    "facts": 5,
    "triggers": 5,
    "constraints": 5,
    "actions": 10,
    "deliverables": 5,
    "stakeholders": 4,
    "cost_items": 5,
    "options": 6,
    "activities": 7,
}


@dataclass(frozen=True)
class Domain:
    """One domain of the catalogue. `activities` are listed in an order that is always valid."""

    name: str
    organisations: tuple[Organisation, ...]
    systems: tuple[str, ...]
    facts: tuple[Fact, ...]
    triggers: tuple[str, ...]
    constraints: tuple[str, ...]
    actions: tuple[str, ...]
    deliverables: tuple[Deliverable, ...]
    stakeholders: tuple[Stakeholder, ...]
    cost_items: tuple[CostItem, ...]
    options: tuple[Option, ...]
    activities: tuple[str, ...]

    def __post_init__(self) -> None:
        for field_name, minimum in _MINIMUM.items():
            values = getattr(self, field_name)
            if len(values) < minimum:
                raise ValueError(
                    f"domain {self.name!r}: {field_name} has {len(values)} entries, "
                    f"needs at least {minimum} for varied tasks"
                )
            if len(set(values)) != len(values):
                raise ValueError(f"domain {self.name!r}: {field_name} has duplicate entries")
