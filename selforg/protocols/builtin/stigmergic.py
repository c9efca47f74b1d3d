"""`stigmergic` (named by the reference study, defined here).

Stigmergy is coordination through a shared environment rather than messages (termites build
on the marks others left). Here the environment is one artifact made of sections, each with a
title, its text, and an attention count. Agents act one at a time, in a random order seeded
from the run_id, and see only the artifact: titles, attention counts and section text, fitted
to the context budget with the most attended sections in full; never who wrote what. A turn
whose role matches an existing title (after normalisation) reinforces that section: attention
+1 and its text, if any, is appended. Any other role opens a new section with that title and
attention 1. An abstaining turn leaves the artifact as it was. The deliverable is the artifact:
the contributing turns grouped by section, in the order the sections were opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from selforg.protocols.base import Protocol, TurnRecord, stable_key
from selforg.protocols.registry import register
from selforg.protocols.view import ContextBudget
from selforg.roles import normalise_role

UNTITLED = "Untitled"
RULES = (
    "You work alone on a shared artifact; you never see other agents' messages, only the "
    "artifact below. Either reinforce an existing section (use its exact title as your `role` "
    "and add to its text; its attention goes up by one), or open a new section (your `role` "
    "is the new title and your `contribution` its text), or abstain."
)
HEADING = ("THE SHARED ARTIFACT (sections, least attended first; attention = number of agents "
           "who worked on it):")
EMPTY = "THE SHARED ARTIFACT is empty: you are the first to work on it."


@dataclass
class Section:
    """One section of the artifact and the turns that made it."""

    title: str
    turns: list[TurnRecord] = field(default_factory=list)

    @property
    def role(self) -> str:
        return self.title

    @property
    def attention(self) -> int:
        return len(self.turns)

    def text(self) -> str:
        return "\n".join(t.parsed.contribution for t in self.turns if t.parsed.contribution)

    def full(self) -> str:
        return f"## {self.title} (attention {self.attention})\n{self.text()}"

    def digest(self) -> str:
        first = self.text().split("\n", 1)[0][:120]
        return f"## {self.title} (attention {self.attention}) {first}"


def acting_order(run_id: str, n: int) -> list[int]:
    """A random order of the agents, the same in every process for the same run."""
    return sorted(range(n), key=lambda agent: stable_key(run_id, "stigmergic-order", agent))


def render(sections: list[Section], budget: ContextBudget) -> str:
    if not sections:
        return EMPTY
    by_attention = sorted(sections, key=lambda s: s.attention)  # stable: older first on ties
    return f"{HEADING}\n{budget.fit_view(by_attention, omitted='sections')}"


@register
class Stigmergic(Protocol):
    name = "stigmergic"
    source = "defined here"
    summary = ("agents act one at a time in a seeded random order on one shared artifact of "
               "sections with attention counts; they see the artifact, never messages")
    calls = "N"
    latency = "N calls in a chain"

    @classmethod
    def expected_calls(cls, n: int) -> int:
        return n

    async def run(self) -> list[TurnRecord]:
        team = self.team
        sections: dict[str, Section] = {}
        for agent in acting_order(team.run_id, team.n):
            context = render(list(sections.values()), team.context_budget)
            turn = await team.step(team.ask(agent, 0, context, instructions=RULES))
            if turn.parsed.abstain:
                continue
            title = turn.parsed.role or UNTITLED
            sections.setdefault(normalise_role(title) or title, Section(title)).turns.append(turn)
        return [t for s in sections.values() for t in s.turns]
