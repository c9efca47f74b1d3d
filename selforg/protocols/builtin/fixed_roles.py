"""`fixed_roles`: the control for the capability test (docs/study.md section 7).

Like `sequential` (fixed order; agent k sees the task and the outputs of agents 0..k-1, fitted
to the context budget), but the designer assigns the roles: agent k takes ROLE_CATALOGUE[k mod
len], stated in its prompt, and is told it may not abstain. The turns table records what the
agent replied (an abstention stays an abstention and adds nothing), except the role column,
which holds the assigned role, the role the design gave it.
"""

from __future__ import annotations

from selforg.protocols.base import Protocol, TurnRecord
from selforg.protocols.registry import register

# Ordered so that small teams get the roles most tasks need first.
ROLE_CATALOGUE: tuple[str, ...] = (
    "Analyst",
    "Planner",
    "Domain Expert",
    "Reviewer",
    "Risk Manager",
    "Implementer",
    "Stakeholder Advocate",
    "Editor",
)
HEADING = "Completed work of the agents before you (in order):"


def assigned_role(agent: int) -> str:
    return ROLE_CATALOGUE[agent % len(ROLE_CATALOGUE)]


def role_clause(role: str) -> str:
    return (f"The organisation's designer assigned you the role of {role}. Work in that role. "
            "Abstaining is not allowed: you must contribute.")


@register
class FixedRoles(Protocol):
    name = "fixed_roles"
    source = "control"
    summary = ("like sequential, but agent k's role comes from a fixed catalogue (cycled) "
               "and abstaining is not allowed")
    calls = "N"
    latency = "N calls in a chain"

    @classmethod
    def expected_calls(cls, n: int) -> int:
        return n

    async def run(self) -> list[TurnRecord]:
        team = self.team
        done: list[TurnRecord] = []
        for agent in range(team.n):
            role = assigned_role(agent)
            view = team.view(done)
            context = f"{HEADING}\n{view}" if view else ""
            done.append(await team.step(team.ask(agent, 0, context, role_clause=role_clause(role),
                                                 imposed={"role": role})))
        return done
