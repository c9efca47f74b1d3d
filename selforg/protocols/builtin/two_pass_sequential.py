"""`two_pass_sequential` (the prediction of the published response to the reference study).

The response (Lerer 2026) predicts that a second pass reduces `sequential`'s degradation on
adversarial L4 tasks and changes nothing on L1/L2. Made concrete:

1. Pass 1 (round 0) is `sequential`: agents 0..N-1 in order, agent k seeing the task and the
   completed first-pass work of agents 0..k-1.
2. Pass 2 (round 1) runs in the same order. Agent k sees the whole first pass and the second
   pass so far (agents 0..k-1), fitted to the context budget as one view: the first-pass work
   of every other agent, then the second pass so far, then its own first-pass turn last, so
   that the turn it may revise and the latest revisions are the ones shown in full. Each item
   is labelled with its pass. It may revise its contribution, add what is still missing, or
   abstain.

Only the second pass makes the team's answer: the first pass is the draft everyone sees, as
the announcements of `broadcast` are. So a second-pass abstention means what an abstention
means everywhere (this agent adds nothing to the answer), and the final-round metrics count
the second pass. 2N calls, 2N waves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from selforg.protocols.base import Protocol, TurnRecord
from selforg.protocols.registry import register
from selforg.protocols.view import ViewItem

FIRST = (
    "Pass 1 of 2: agents act one at a time in a fixed order; you see the work of the agents "
    "before you. In pass 2 every agent acts again, in the same order, seeing the whole first "
    "pass; only pass 2 makes the team's answer."
)
SECOND = (
    "Pass 2 of 2: below is the first pass of the other agents, then pass 2 so far, then your "
    "own pass-1 turn. Only pass-2 turns make the team's answer: revise your contribution, add "
    "what is still missing, or abstain if pass 2 already covers what you would add."
)
FIRST_HEADING = "Completed work of the agents before you (pass 1, in order):"
SECOND_HEADING = ("Work of the team (pass 1 of the other agents, then pass 2 so far, then your "
                  "own pass-1 turn):")


@dataclass(frozen=True)
class PassItem:
    """A turn as the second pass shows it: its agent's work, labelled with its pass."""

    label: str
    item: ViewItem

    @property
    def role(self) -> str:
        return self.item.role

    def full(self) -> str:
        return f"[{self.label}] {self.item.full()}"

    def digest(self) -> str:
        return f"[{self.label}] {self.item.digest()}"


def shown(turns: Sequence[TurnRecord], label: str) -> list[PassItem]:
    """Turns with work in them (abstentions show nothing), labelled."""
    return [PassItem(label, t.view_item()) for t in turns
            if not t.parsed.abstain and t.parsed.contribution]


@register
class TwoPassSequential(Protocol):
    name = "two_pass_sequential"
    source = "response"
    summary = ("a full sequential pass, then a second pass in the same order in which each "
               "agent sees the whole first pass and the second pass so far")
    calls = "2N"
    latency = "2N calls in a chain"

    @classmethod
    def expected_calls(cls, n: int) -> int:
        return 2 * n

    async def run(self) -> list[TurnRecord]:
        team = self.team
        first: list[TurnRecord] = []
        for agent in range(team.n):
            view = team.view(first)
            context = f"{FIRST_HEADING}\n{view}" if view else ""
            first.append(await team.step(team.ask(agent, 0, context, instructions=FIRST)))
        second: list[TurnRecord] = []
        for agent, own in enumerate(first):
            others = [t for t in first if t.agent != agent]
            items = (shown(others, "pass 1") + shown(second, "pass 2")
                     + shown([own], "your pass 1"))
            view = team.context_budget.fit_view(items, omitted="earlier turns")
            context = f"{SECOND_HEADING}\n{view}" if view else ""
            second.append(await team.step(team.ask(agent, 1, context, instructions=SECOND)))
        return second
