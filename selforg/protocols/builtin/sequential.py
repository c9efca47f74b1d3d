"""`sequential` (the reference study's best protocol).

Agents act in a fixed order 0..N-1; agent k sees the task and the completed outputs of agents
0..k-1 (fitted to the context budget), chooses its own role, and may abstain.
"""

from __future__ import annotations

from selforg.protocols.base import Protocol, TurnRecord
from selforg.protocols.registry import register

HEADING = "Completed work of the agents before you (in order):"


@register
class Sequential(Protocol):
    name = "sequential"
    source = "paper"
    summary = "fixed order; agent k sees the task and the outputs of agents 0..k-1"
    calls = "N"
    latency = "N calls in a chain"

    @classmethod
    def expected_calls(cls, n: int) -> int:
        return n

    async def run(self) -> list[TurnRecord]:
        done: list[TurnRecord] = []
        for agent in range(self.team.n):
            view = self.team.view(done)
            context = f"{HEADING}\n{view}" if view else ""
            done.append(await self.team.step(self.team.ask(agent, 0, context)))
        return done
