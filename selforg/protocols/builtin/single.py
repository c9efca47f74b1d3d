"""`single`: the control. One agent alone (N = 1) solves the task."""

from __future__ import annotations

from selforg.protocols.base import Protocol, TurnRecord
from selforg.protocols.registry import register


@register
class Single(Protocol):
    name = "single"
    source = "control"
    summary = "one agent alone, N = 1 whatever the study's n_agents"
    calls = "1"
    latency = "1 call"
    fixed_n = 1

    @classmethod
    def expected_calls(cls, n: int) -> int:
        return 1

    async def run(self) -> list[TurnRecord]:
        return [await self.team.step(self.team.ask(0, 0))]
