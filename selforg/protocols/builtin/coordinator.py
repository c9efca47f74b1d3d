"""`coordinator` (the reference study's central protocol).

Agent 0 coordinates N workers (agents 1..N), so the team has N + 1 agents while the runs
table's n_agents stays N, the number of agents who can do the work. The coordinator sees the
task and writes a plan in its own JSON schema (constrained decoding where the provider has
it). Each entry of the plan gives a role and a subtask (or "idle") to a range of workers,
`from` one id `to` another (the same id for one worker), so one plan can direct every worker
at any N: the plan's token cap (`plan_max_tokens`) bounds how many distinct assignments it
holds, never how many workers it reaches. Workers then run in one parallel wave, each seeing
the task and its own assignment only (and how many workers share it). Workers the plan idles
or names in no entry are directed abstentions: recorded, never asked. The deliverable is the
workers' work; the plan itself is direction, not work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from selforg.protocols.base import MISSION, Protocol, RunFailed, Team, TurnRecord
from selforg.protocols.registry import register
from selforg.protocols.turn import ParsedTurn, as_int, load_object

COORDINATOR = 0
# {"from": 17, "to": 48, "role": "...", "subtask": "..."} at a useful length
PLAN_TOKENS_PER_ENTRY = 36
PLAN_OVERHEAD_TOKENS = 32
PLAN_CAP_FACTOR = 4  # the plan may be at most this many agent replies long
ROLE_CHARS = 60  # as in the turn schema
SUBTASK_CHARS = 240  # one self-contained instruction; longer ones crowd other entries out
IDLE = "idle"

ASSIGNED_ROLE = "The coordinator (agent 0) assigns roles in this team: take the role it gave you."
WORKER_RULES = (
    "You see the task and your own assignment only, not the plan or other agents' work. "
    "Do your subtask well; abstain only if you can add nothing to it."
)


@dataclass(frozen=True)
class Assignment:
    """One worker's assignment; `share` workers got it from the same plan entry, this worker
    being the `position`-th of them (1-based, in id order)."""

    agent: int
    role: str
    subtask: str
    share: int = 1
    position: int = 1


@dataclass(frozen=True)
class Entry:
    """One entry of a plan as read: the workers it directs (after earlier entries took
    theirs) and what it gives them."""

    first: int
    last: int
    role: str
    subtask: str
    workers: tuple[int, ...]

    @property
    def idle(self) -> bool:
        words = {self.role.strip().lower(), self.subtask.strip().lower()}
        return IDLE in words or not (self.role.strip() or self.subtask.strip())

    def assignments(self) -> list[Assignment]:
        return [Assignment(agent, self.role, self.subtask, len(self.workers), i + 1)
                for i, agent in enumerate(self.workers)]


def plan_max_tokens(n: int, agent_max_tokens: int) -> int:
    """The plan's token cap: room for one entry per worker at small N, PLAN_CAP_FACTOR agent
    replies at most (an entry may cover any number of workers)."""
    wanted = PLAN_TOKENS_PER_ENTRY * n + PLAN_OVERHEAD_TOKENS
    return max(agent_max_tokens, min(wanted, PLAN_CAP_FACTOR * agent_max_tokens))


def plan_schema(n: int) -> dict[str, Any]:
    """The plan's JSON schema: entries naming a range of worker ids in 1..n, at most n.

    The ids are also an enum: llama.cpp's grammar ignores minimum and maximum, and the
    embedded model, left free, names workers that do not exist (12 to 15 of 4).
    """
    worker = {"type": "integer", "minimum": 1, "maximum": n, "enum": list(range(1, n + 1))}
    entry = {
        "type": "object",
        "properties": {
            "from": worker,
            "to": worker,
            "role": {"type": "string", "maxLength": ROLE_CHARS},
            "subtask": {"type": "string", "maxLength": SUBTASK_CHARS},
        },
        "required": ["from", "to", "role", "subtask"],
    }
    return {
        "type": "object",
        "properties": {"assignments": {"type": "array", "items": entry, "maxItems": n}},
        "required": ["assignments"],
    }


def plan_room(max_tokens: int) -> int:
    """About how many entries a plan of `max_tokens` tokens holds."""
    return max(1, (max_tokens - PLAN_OVERHEAD_TOKENS) // PLAN_TOKENS_PER_ENTRY)


def plan_messages(task: str, n: int, max_tokens: int) -> list[dict[str, str]]:
    room = plan_room(max_tokens)
    system = (
        f"You are agent {COORDINATOR}, the coordinator of a team of {n + 1} AI agents working "
        f"for one organisation. {MISSION} You do not do the work yourself: you plan it. The "
        f"workers are agents 1 to {n}. Each entry of your plan gives a role and a "
        f"self-contained subtask to the workers from one id to another (the same id twice for "
        f'one worker), or the role "{IDLE}" to workers the task does not need. Workers see '
        f"the task and their own assignment only (and how many workers share it), never the "
        f"plan or each other's work. Your reply holds at most {max_tokens} tokens, room for "
        f"about {room} entries; one entry can cover any number of workers, and workers no "
        f'entry names stay idle. Reply with one JSON object and nothing else: {{"assignments": '
        f'[{{"from": <first worker id 1..{n}>, "to": <last worker id>, "role": "<role>", '
        f'"subtask": "<what these workers must deliver>"}}]}}'
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": f"TASK:\n{task}"}]


def parse_plan(text: str | None, n: int) -> list[Entry] | None:
    """The plan's entries in order, each with the workers it directs; None if unreadable.

    An entry directs the workers from `from` to `to` (either order; `to` missing: one worker),
    clipped to 1..n; a worker named by an earlier entry keeps that one. Entries that direct no
    worker (no valid id, or all taken) are dropped.
    """
    obj = load_object(text or "")
    if obj is None or not isinstance(obj.get("assignments"), list):
        return None
    taken: set[int] = set()
    entries: list[Entry] = []
    for raw in obj["assignments"]:
        if not isinstance(raw, dict):
            continue
        first = as_int(raw.get("from"))
        if first is None:
            continue
        last = as_int(raw.get("to"))
        low, high = sorted((first, first if last is None else last))
        workers = tuple(w for w in range(max(1, low), min(n, high) + 1) if w not in taken)
        if not workers:
            continue
        taken.update(workers)
        entries.append(Entry(low, high, str(raw.get("role") or "").strip(),
                             str(raw.get("subtask") or "").strip(), workers))
    return entries


def working(entries: list[Entry]) -> list[Assignment]:
    """The assignments workers act on, by worker id: workers of "idle" entries are left out,
    so they idle like workers no entry names."""
    return sorted((a for e in entries if not e.idle for a in e.assignments()),
                  key=lambda a: a.agent)


def _ids(entry: Entry) -> str:
    ids = entry.workers
    if len(ids) == 1:
        return f"agent {ids[0]}"
    if ids == tuple(range(ids[0], ids[-1] + 1)):
        return f"agents {ids[0]}-{ids[-1]}"
    return f"agents {', '.join(map(str, ids))}"


def render_plan(entries: list[Entry], n: int) -> str:
    """The plan as the turns table keeps it: one line per working entry, then the idle count."""
    working = [e for e in entries if not e.idle]
    lines = [f"{_ids(e)} | {e.role or 'worker'}: {e.subtask}" for e in working]
    idle = n - sum(len(e.workers) for e in working)
    if idle:
        lines.append(f"{idle} of {n} workers idle")
    return "\n".join(lines)


@register
class Coordinator(Protocol):
    name = "coordinator"
    source = "paper"
    summary = ("agent 0 plans a role and subtask (or idle) for every worker, an entry per "
               "range of workers; the workers run in parallel seeing the task and their own "
               "assignment only")
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
        result = await team.call(COORDINATOR, 0, plan_messages(team.task_prompt, team.n,
                                                               max_tokens),
                                 json_schema=plan_schema(team.n), max_tokens=max_tokens)
        entries = parse_plan(result.text, team.n)
        self.assignments = working(entries or [])
        parsed = ParsedTurn(role="coordinator", abstain=False, follows=None,
                            contribution=result.text or "" if entries is None
                            else render_plan(entries, team.n),
                            ok=entries is not None)
        record = team.record(TurnRecord(team.run_id, COORDINATOR, 0, parsed, result,
                                        team.design.context_budget_tokens))
        if result.error is not None:
            raise RunFailed(f"coordinator plan: {result.error}")
        return record

    async def _work(self, assignment: Assignment) -> TurnRecord:
        role = assignment.role or "worker"
        shared = ("" if assignment.share == 1 else
                  f"shared: the coordinator gave this assignment to {assignment.share} "
                  f"workers; you are number {assignment.position} of them\n")
        context = self.team.context_budget.clip(
            f"YOUR ASSIGNMENT FROM THE COORDINATOR (agent {COORDINATOR}):\n"
            f"role: {role}\n{shared}subtask: {assignment.subtask}")
        return await self.team.ask(assignment.agent, 1, context, role_clause=ASSIGNED_ROLE,
                                   instructions=WORKER_RULES,
                                   imposed={"role": role, "follows": COORDINATOR})
