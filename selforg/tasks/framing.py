"""Draws shared by the open and the verifiable templates: facts, actions, step splits, and the
L4 framing (conflicting parties, withheld information)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from selforg.tasks.domain import Domain, Stakeholder


def facts(rng: random.Random, domains: Sequence[Domain]) -> list[str]:
    """One rendered fact per entry of `domains` (repeat a domain to get several distinct ones)."""
    used: set[str] = set()
    out: list[str] = []
    for domain in domains:
        fact = rng.choice([f for f in domain.facts if f.text not in used])
        used.add(fact.text)
        out.append(fact.render(rng))
    return out


def take_actions(rng: random.Random, domain: Domain, count: int) -> list[str]:
    """`count` distinct step actions of `domain`, kept in catalogue order so lists read sensibly."""
    picked = set(rng.sample(range(len(domain.actions)), count))
    return [a for i, a in enumerate(domain.actions) if i in picked]


def split(
    rng: random.Random,
    total: int,
    parts: int,
    minimum: int = 1,
    caps: Sequence[int] | None = None,
) -> list[int]:
    """A random composition of `total` into `parts` integers in [minimum, caps[i]]."""
    limits = list(caps) if caps is not None else [total] * parts
    if not parts * minimum <= total <= sum(limits):
        raise ValueError(f"cannot split {total} into {parts} parts within {minimum}..{limits}")
    counts = [minimum] * parts
    for _ in range(total - parts * minimum):
        counts[rng.choice([i for i in range(parts) if counts[i] < limits[i]])] += 1
    return counts


@dataclass(frozen=True)
class Conflict:
    """The parties of an L4 task and the subset of them that withhold information."""

    parties: tuple[Stakeholder, ...]
    withholders: tuple[Stakeholder, ...]

    def positions(self) -> str:
        """'the CISO wants ...; the Mayor opposes ...; and the CFO requires ...'."""
        parts = [f"the {p.role} {p.goal}" for p in self.parties]
        return "; ".join(parts[:-1]) + f"; and {parts[-1]}"


def pick_conflict(rng: random.Random, domains: Sequence[Domain], count: int) -> Conflict:
    """`count` parties, one from each domain first, with different stances where the catalogue
    allows (so their goals pull apart); 1 or 2 of them, never all, withhold something."""
    pools = [rng.sample(d.stakeholders, len(d.stakeholders)) for d in domains]
    chosen: list[Stakeholder] = []
    for pool in pools:
        party = next((p for p in pool if p.stance not in {c.stance for c in chosen}), None)
        if party is not None and len(chosen) < count:
            chosen.append(party)
    rest = [p for pool in pools for p in pool if p not in chosen]
    for party in rest:
        if len(chosen) < count and party.stance not in {c.stance for c in chosen}:
            chosen.append(party)
    chosen += [p for p in rest if p not in chosen][: count - len(chosen)]
    n_hidden = 1 if count == 3 else rng.randint(1, 2)
    return Conflict(tuple(chosen), tuple(rng.sample(chosen, n_hidden)))


def withheld_text(rng: random.Random, conflict: Conflict) -> str:
    """A sentence telling agents which party withholds what; it always says 'withhold'."""
    first, *rest = conflict.withholders
    if not rest:
        return rng.choice(
            (
                f"Some information is withheld: the {first.role} will not share {first.withholds}.",
                f"The {first.role} is withholding {first.withholds}.",
            )
        )
    second = rest[0]
    return rng.choice(
        (
            f"Information is withheld: the {first.role} will not share {first.withholds}, "
            f"and the {second.role} keeps back {second.withholds}.",
            f"Two parties withhold information: the {first.role} on {first.withholds}, the "
            f"{second.role} on {second.withholds}.",
        )
    )
