"""`ripple` (named by the reference study, defined here).

Work spreads like a ripple: waves of doubling size, 1, 2, 4, ... agents (the last wave takes
whoever is left). Agents of one wave act in parallel and cannot see each other; each sees the
task and the outputs of every earlier wave, fitted to the context budget (the latest in full).
N calls, like `sequential`, but ceil(log2(N + 1)) waves of latency instead of N: the question
it asks is how much of sequential's benefit survives when most agents work in parallel.
"""

from __future__ import annotations

from selforg.protocols.base import Protocol, TurnRecord
from selforg.protocols.registry import register

HEADING = "Completed work of the earlier waves (in order):"


def waves(n: int) -> list[range]:
    """Agent ids by wave: sizes 1, 2, 4, ..., the last wave the remainder."""
    out: list[range] = []
    start, size = 0, 1
    while start < n:
        out.append(range(start, min(n, start + size)))
        start, size = start + size, size * 2
    return out


@register
class Ripple(Protocol):
    name = "ripple"
    source = "defined here"
    summary = ("waves of doubling size (1, 2, 4, ...) run in parallel; each wave sees the "
               "outputs of the earlier waves")
    calls = "N"
    latency = "ceil(log2(N + 1)) waves"

    @classmethod
    def expected_calls(cls, n: int) -> int:
        return n

    async def run(self) -> list[TurnRecord]:
        team = self.team
        done: list[TurnRecord] = []
        plan = waves(team.n)
        for index, wave in enumerate(plan):
            rules = (f"Agents work in waves of doubling size; you are in wave {index + 1} of "
                     f"{len(plan)}, at the same time as {len(wave) - 1} other agent(s) whose "
                     "work you cannot see.")
            view = team.view(done)
            context = f"{HEADING}\n{view}" if view else ""
            done += await team.wave([team.ask(a, 0, context, instructions=rules) for a in wave])
        return done
