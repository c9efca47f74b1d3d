"""`shared` (the reference study's organisational-memory protocol).

All N agents act at once, in one wave, and see nothing of the current task's work. What they
share is the organisation's memory: the roles its agents took in the earlier tasks of the same
cell (model x protocol x N x replicate), which the runner plays in task order because
`ordered_cells` is set. The memory (in `Team.memory`) holds, per earlier task, each agent
slot's normalised role, "(abstained)" or "(no role)". Each agent is shown, most important first
and fitted to the context budget: its own slot's earlier roles, the team's role counts over
all earlier tasks, and every slot's role in the last task.
"""

from __future__ import annotations

from collections import Counter

from selforg.protocols.base import Protocol, TurnRecord
from selforg.protocols.registry import register
from selforg.protocols.view import ContextBudget

MEMORY_KEY = "shared.roles_by_task"
OWN_HISTORY = 8  # earlier tasks of its own slot an agent is reminded of
ABSTAINED = "(abstained)"
NO_ROLE = "(no role)"
RULES = (
    "All agents act at the same time and nobody sees anyone's work on this task. What the "
    "team shares is its organisational memory below: the roles agents took in earlier tasks."
)
FIRST_TASK = "ORGANISATIONAL MEMORY: none yet; this is the organisation's first task."


def memory_lines(history: list[list[str]], agent: int, budget: ContextBudget) -> str:
    """The memory as agent `agent` sees it, most important lines first, within the budget."""
    if not history:
        return FIRST_TASK
    shown = [task[agent] for task in history[-OWN_HISTORY:]]
    counts = Counter(role for task in history for role in task)
    lines = [
        f"ORGANISATIONAL MEMORY: roles taken in the {len(history)} earlier task(s) of this "
        "organisation (normalised).",
        budget.clip(f"Your own earlier roles (agent {agent}), oldest first: {', '.join(shown)}",
                    budget.tokens // 4),
        "Team role counts over all earlier tasks:",
        *(f"- {role}: {count}" for role, count in sorted(counts.items(),
                                                          key=lambda rc: (-rc[1], rc[0]))),
        "Roles in the last task, by agent:",
        *(f"- agent {slot}: {role}" for slot, role in enumerate(history[-1])),
    ]
    return budget.fit_lines(lines, omitted="memory lines")


@register
class Shared(Protocol):
    name = "shared"
    source = "paper"
    summary = ("all agents at once; each sees the task and the roles taken in the cell's "
               "earlier tasks, nothing of the current task")
    calls = "N"
    latency = "1 wave of N parallel calls"
    ordered_cells = True

    @classmethod
    def expected_calls(cls, n: int) -> int:
        return n

    async def run(self) -> list[TurnRecord]:
        team = self.team
        history: list[list[str]] = team.memory.setdefault(MEMORY_KEY, [])
        turns = await team.wave([
            team.ask(a, 0, memory_lines(history, a, team.context_budget), instructions=RULES)
            for a in range(team.n)
        ])
        history.append([ABSTAINED if t.parsed.abstain else t.parsed.role_norm or NO_ROLE
                        for t in turns])
        return turns
