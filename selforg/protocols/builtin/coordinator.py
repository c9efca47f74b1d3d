"""`coordinator` (the reference study's central protocol).

Agent 0 coordinates N workers (agents 1..N), so the team has N + 1 agents while the runs
table's n_agents stays N, the number of agents who can do the work. The coordinator sees the
task and writes a plan in its own JSON schema (constrained decoding where the provider has
it), giving each worker a role and a subtask or "idle". Workers then run in one parallel wave,
each seeing the task and its own assignment only. Workers the plan idles or leaves out are
directed abstentions: recorded, never asked. The plan's length is capped (`plan_max_tokens`),
so at large N it cannot name everyone and the unlisted workers idle, a real limit of central
coordination. The deliverable is the workers' work; the plan itself is direction, not work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from selforg.protocols.base import MISSION, Protocol, RunFailed, Team, TurnRecord
from selforg.protocols.registry import register
from selforg.protocols.turn import ParsedTurn, as_int, load_object

COORDINATOR = 0
PLAN_TOKENS_PER_WORKER = 32  # {"agent": 17, "role": "...", "subtask": "..."} at a useful length
PLAN_OVERHEAD_TOKENS = 32
PLAN_CAP_FACTOR = 4  # the plan may be at most this many agent replies long
ROLE_CHARS = 60  # as in the turn schema
SUBTASK_CHARS = 240  # one self-contained instruction; longer ones crowd other workers out
IDLE = "idle"

ASSIGNED_ROLE = "The coordinator (agent 0) assigns roles in this team: take the role it gave you."
WORKER_RULES = (
    "You see the task and your own assignment only, not the plan or other agents' work. "
    "Do your subtask well; abstain only if you can add nothing to it."
)


@dataclass(frozen=True)
class Assignment:
    agent: int
    role: str
    subtask: str


def plan_max_tokens(n: int, agent_max_tokens: int) -> int:
    """The plan's token cap: room for every worker at small N, PLAN_CAP_FACTOR replies at most."""
    wanted = PLAN_TOKENS_PER_WORKER * n + PLAN_OVERHEAD_TOKENS
    return max(agent_max_tokens, min(wanted, PLAN_CAP_FACTOR * agent_max_tokens))


def plan_schema(n: int) -> dict[str, Any]:
    """The plan's JSON schema: worker ids 1..n, at most one entry per worker."""
    entry = {
        "type": "object",
        "properties": {
            "agent": {"type": "integer", "minimum": 1, "maximum": n},
            "role": {"type": "string", "maxLength": ROLE_CHARS},
            "subtask": {"type": "string", "maxLength": SUBTASK_CHARS},
        },
        "required": ["agent", "role", "subtask"],
    }
    return {
        "type": "object",
        "properties": {"assignments": {"type": "array", "items": entry, "maxItems": n}},
        "required": ["assignments"],
    }


def plan_messages(task: str, n: int, max_tokens: int) -> list[dict[str, str]]:
    room = max(1, (max_tokens - PLAN_OVERHEAD_TOKENS) // PLAN_TOKENS_PER_WORKER)
    system = (
        f"You are agent {COORDINATOR}, the coordinator of a team of {n + 1} AI agents working "
        f"for one organisation. {MISSION} You do not do the work yourself: you plan it. The "
        f"workers are agents 1 to {n}. Give each worker a role and a self-contained subtask, "
        f'or the role "{IDLE}" if the task does not need it. Workers see the task and their '
        f"own assignment only, never the plan or each other's work. Your reply holds at most "
        f"{max_tokens} tokens, room for about {room} assignments; workers you do not list stay "
        f'idle. Reply with one JSON object and nothing else: {{"assignments": [{{"agent": '
        f'<worker id 1..{n}>, "role": "<role>", "subtask": "<what this worker must deliver>"}}]}}'
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": f"TASK:\n{task}"}]


def _is_idle(role: str, subtask: str) -> bool:
    words = {role.strip().lower(), subtask.strip().lower()}
    return IDLE in words or not (role.strip() or subtask.strip())


def parse_plan(text: str | None, n: int) -> list[Assignment] | None:
    """Working assignments by worker id (first entry per worker wins); None if unreadable.

    Entries naming no valid worker are dropped; "idle" entries are dropped, so the workers
    they name idle like unlisted ones.
    """
    obj = load_object(text or "")
    if obj is None or not isinstance(obj.get("assignments"), list):
        return None
    chosen: dict[int, Assignment] = {}
    for entry in obj["assignments"]:
        if not isinstance(entry, dict):
            continue
        agent = as_int(entry.get("agent"))
        if agent is None or not 1 <= agent <= n or agent in chosen:
            continue
        role, subtask = str(entry.get("role") or ""), str(entry.get("subtask") or "")
        chosen[agent] = Assignment(agent, role.strip(), subtask.strip())
    return [a for _, a in sorted(chosen.items()) if not _is_idle(a.role, a.subtask)]


def render_plan(assignments: list[Assignment], n: int) -> str:
    lines = [f"agent {a.agent} | {a.role or 'worker'}: {a.subtask}" for a in assignments]
    idle = n - len(assignments)
    if idle:
        lines.append(f"{idle} of {n} workers idle")
    return "\n".join(lines)


@register
class Coordinator(Protocol):
    name = "coordinator"
    source = "paper"
    summary = ("agent 0 plans a role and subtask (or idle) for each of N workers; the workers "
               "run in parallel seeing the task and their own assignment only")
    calls = "1 + assigned workers <= N + 1"
    latency = "2 waves: the plan, then the workers in parallel"
    extra_agents = 1
    calls_upper_bound = True

    @classmethod
    def expected_calls(cls, n: int) -> int:
        return n + 1

    @classmethod
    def completion_cap(cls, n: int, agent_max_tokens: int) -> int:
        return plan_max_tokens(n, agent_max_tokens) + n * agent_max_tokens

    def __init__(self, team: Team) -> None:
        super().__init__(team)
        self.assignments: list[Assignment] = []

    async def run(self) -> list[TurnRecord]:
        await self.team.step(self._plan())
        working = {a.agent for a in self.assignments}
        for agent in range(1, self.team.n + 1):
            if agent not in working:
                self.team.directed_abstention(agent, 1, follows=COORDINATOR)
        return await self.team.wave([self._work(a) for a in self.assignments])

    async def _plan(self) -> TurnRecord:
        """Ask agent 0 for the plan and keep the assignments it makes (none if unreadable)."""
        team = self.team
        max_tokens = plan_max_tokens(team.n, team.design.agent_max_tokens)
        result = await team.call(COORDINATOR, 0, plan_messages(team.spec.task.prompt, team.n,
                                                               max_tokens),
                                 json_schema=plan_schema(team.n), max_tokens=max_tokens)
        assignments = parse_plan(result.text, team.n)
        self.assignments = assignments or []
        parsed = ParsedTurn(role="coordinator", abstain=False, follows=None,
                            contribution=result.text or "" if assignments is None
                            else render_plan(assignments, team.n),
                            ok=assignments is not None)
        record = team.record(TurnRecord(team.run_id, COORDINATOR, 0, parsed, result,
                                        team.design.context_budget_tokens))
        if result.error is not None:
            raise RunFailed(f"coordinator plan: {result.error}")
        return record

    async def _work(self, assignment: Assignment) -> TurnRecord:
        role = assignment.role or "worker"
        context = self.team.context_budget.clip(
            f"YOUR ASSIGNMENT FROM THE COORDINATOR (agent {COORDINATOR}):\n"
            f"role: {role}\nsubtask: {assignment.subtask}")
        return await self.team.ask(assignment.agent, 1, context, role_clause=ASSIGNED_ROLE,
                                   instructions=WORKER_RULES,
                                   imposed={"role": role, "follows": COORDINATOR})

