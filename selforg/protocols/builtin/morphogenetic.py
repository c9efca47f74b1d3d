"""`morphogenetic` (named by the reference study, defined here).

In morphogenesis cells differentiate by reading the concentration of signals around them, not
by reading each other's plans. Here the signal is the histogram of declared specialties.
Round 0: all N agents at once declare a tentative specialty, seeing only the task. Round 1:
all N at once see the count of agents per declared specialty (normalised role names, most
common first, fitted to the context budget; the number of agents who declared none), and
their own declaration, but no content and no names of who declared what; they keep their
specialty or switch toward an under-represented one, then contribute or abstain. Only
round 1 feeds the deliverable.
"""

from __future__ import annotations

from collections import Counter

from selforg.protocols.base import Protocol, TurnRecord
from selforg.protocols.registry import register
from selforg.protocols.view import ContextBudget

UNDECLARED = "(none declared or abstaining)"
DECLARE = (
    "Round 1 of 2: declare, as `role`, the specialty you tentatively intend to take (or "
    "abstain); in `contribution` write one line on why. Do not do the work yet."
)
DIFFERENTIATE = (
    "Round 2 of 2: below is how many agents declared each specialty, nothing more. Keep your "
    "specialty or switch toward an under-represented one the task needs, then contribute your "
    "work under your final role (or abstain if you would add nothing)."
)


def histogram(declared: list[TurnRecord]) -> list[tuple[str, int]]:
    """(specialty, agents) pairs, most common first, undeclared last."""
    counts = Counter(t.parsed.role_norm for t in declared if not t.parsed.abstain)
    undeclared = counts.pop("", 0) + sum(t.parsed.abstain for t in declared)
    pairs = sorted(counts.items(), key=lambda rc: (-rc[1], rc[0]))
    return pairs + ([(UNDECLARED, undeclared)] if undeclared else [])


def signal(pairs: list[tuple[str, int]], own: TurnRecord, budget: ContextBudget) -> str:
    """What agent `own.agent` sees in round 1: its own declaration and the counts."""
    norm = own.parsed.role_norm
    mine = ("you abstained" if own.parsed.abstain
            else f"you declared {norm!r}" if norm else "you declared no specialty")
    lines = [budget.clip(f"DECLARED SPECIALTIES (round 1; {mine}):", budget.tokens // 4),
             *(f"- {role}: {count}" for role, count in pairs)]
    return budget.fit_lines(lines, omitted="specialties")


@register
class Morphogenetic(Protocol):
    name = "morphogenetic"
    source = "defined here"
    summary = ("all agents declare a tentative specialty, then each sees only the histogram "
               "of declared specialties and may switch toward under-represented ones")
    calls = "2N"
    latency = "2 waves of N parallel calls"

    @classmethod
    def expected_calls(cls, n: int) -> int:
        return 2 * n

    async def run(self) -> list[TurnRecord]:
        team = self.team
        declared = await team.wave([team.ask(a, 0, instructions=DECLARE) for a in range(team.n)])
        pairs = histogram(declared)
        return await team.wave([
            team.ask(t.agent, 1, signal(pairs, t, team.context_budget),
                     instructions=DIFFERENTIATE)
            for t in declared
        ])
