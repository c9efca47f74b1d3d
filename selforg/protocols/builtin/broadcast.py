"""`broadcast` (the reference study's announce-then-act protocol).

Round 0: all N agents at once announce the role they intend to take and a one-line intention,
seeing only the task. Round 1: all N at once see every announcement (roles and intention lines,
intentions to abstain included, fitted to the context budget) but no contribution, then decide
their final role, or abstain, and contribute. Only round 1 feeds the deliverable.
"""

from __future__ import annotations

from selforg.protocols.base import Protocol, TurnRecord
from selforg.protocols.registry import register
from selforg.protocols.view import ViewItem

INTENTION_CHARS = 160  # an intention is one line; longer text would leak work into round 1
ANNOUNCE = (
    "Round 1 of 2: announce the role you intend to take (or abstain) and, in `contribution`, "
    "one line on what you intend to do. Do not do the work yet: every agent will see every "
    "announcement before deciding."
)
DECIDE = (
    "Round 2 of 2: below are the announcements of every agent, yours included. Decide your "
    "final role (keep it, change it to fill a gap, or abstain if others already cover it) and "
    "contribute your work."
)
HEADING = "ANNOUNCED INTENTIONS (round 1, every agent):"


def intention(turn: TurnRecord) -> ViewItem:
    """An announcement as others see it: role (or the intention to abstain) and one line."""
    if turn.parsed.abstain:
        return ViewItem(turn.agent, "intends to abstain", "")
    lines = turn.parsed.contribution.strip().splitlines() or [""]
    line = lines[0]
    if len(line) > INTENTION_CHARS:
        line = line[: INTENTION_CHARS - 3].rstrip() + "..."
    return ViewItem(turn.agent, turn.parsed.role, line)


@register
class Broadcast(Protocol):
    name = "broadcast"
    source = "paper"
    summary = ("all agents announce an intended role at once, then each sees every "
               "announcement and decides its final role (or abstains) and contributes")
    calls = "2N"
    latency = "2 waves of N parallel calls"

    @classmethod
    def expected_calls(cls, n: int) -> int:
        return 2 * n

    async def run(self) -> list[TurnRecord]:
        team = self.team
        announced = await team.wave([team.ask(a, 0, instructions=ANNOUNCE)
                                     for a in range(team.n)])
        view = team.context_budget.fit_view([intention(t) for t in announced],
                                            omitted="earlier announcements")
        context = f"{HEADING}\n{view}"
        return await team.wave([team.ask(a, 1, context, instructions=DECIDE)
                                for a in range(team.n)])
