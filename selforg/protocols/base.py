"""What every protocol stands on: the run specification, the team, and the Protocol class.

A protocol only decides who is asked what, in which order, and what each agent may see. The
`Team` does the rest the same way for every protocol: building the agent prompt around a
mission (never a role, unless the protocol assigns one), fitting the visible work of others to
the context budget, calling the model through the gateway, parsing the turn, recording tokens,
cost and latency, and keeping the run's critical-path latency (waves run in parallel).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from selforg.protocols.turn import TURN_INSTRUCTIONS, TURN_SCHEMA, ParsedTurn, parse_turn
from selforg.protocols.view import ViewItem, fit_view
from selforg.seeds import stable_seed

if TYPE_CHECKING:
    from selforg.config import ModelSpec, StudyDesign
    from selforg.llm.gateway import CallResult, Gateway

MISSION = (
    "Your mission: help the organisation get the best possible result on the task below."
)
FREE_ROLE = (
    "Nobody assigns you a role: choose the role in which you add the most value, "
    "or abstain if you would add nothing new."
)


@dataclass(frozen=True)
class TaskView:
    """The part of a task the agents see."""

    task_id: str
    prompt: str


@dataclass(frozen=True)
class RunSpec:
    """One run: a task, a protocol, N agents of one model, a replicate."""

    task: TaskView
    protocol: str
    model: ModelSpec
    n_agents: int
    replicate: int
    assembly: str

    @property
    def run_id(self) -> str:
        key = "|".join(map(str, (self.task.task_id, self.protocol, self.model.name,
                                 self.n_agents, self.replicate, self.assembly)))
        return f"{self.protocol}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


class RunFailed(Exception):
    """A model call failed after its retries; the run is recorded as failed with this reason."""


@dataclass
class TurnRecord:
    """One model call of a run, as stored in the turns table."""

    run_id: str
    agent: int
    round: int
    parsed: ParsedTurn
    result: CallResult
    budget_tokens: int
    directed: bool = False

    def as_row(self) -> dict[str, Any]:
        p, r = self.parsed, self.result
        return {
            "run_id": self.run_id, "agent": self.agent, "round": self.round,
            "role": p.role or None, "role_norm": p.role_norm, "abstain": p.abstain,
            "directed": self.directed, "builds_on": list(p.builds_on), "follows": p.follows,
            "contribution": p.contribution, "prompt_tokens": r.prompt_tokens,
            "completion_tokens": r.completion_tokens, "budget_tokens": self.budget_tokens,
            "cost_usd": r.cost_usd, "latency_s": r.latency_s, "cached": r.cached,
            "parse_ok": p.ok, "error": r.error,
        }

    @property
    def model_called(self) -> bool:
        """False for a directed abstention: the coordinator idled the agent, nobody was asked."""
        return not self.directed

    def view_item(self) -> ViewItem:
        return ViewItem(agent=self.agent, role=self.parsed.role, text=self.parsed.contribution)


def agent_line(agent: int) -> str:
    """The line that tells an agent its id (the ids other agents' links and views use)."""
    return f"You are agent {agent}."


def call_seed(run_id: str, agent: int, round_: int) -> int:
    """A per-call sampling seed: stable across processes, distinct per replicate and turn."""
    return stable_seed(run_id, agent, round_)


def stable_key(*parts: object) -> str:
    """A key for seeded orders and tie-breaks that every process computes alike (not hash())."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


@dataclass
class Team:
    """N agents of one model working on one task, and everything recorded about them.

    `memory` is shared by the runs of one cell (model x N x protocol x replicate) when the
    protocol sets `ordered_cells`; those runs then execute in task order. `extra_agents` are
    agents a protocol adds to the N studied ones (the coordinator's agent 0), so the team the
    agents are told about, and the ids their links may name, number N + extra_agents.
    """

    spec: RunSpec
    gateway: Gateway
    design: StudyDesign
    memory: dict[str, Any] = field(default_factory=dict)
    on_turn: Callable[[TurnRecord], None] | None = None
    turns: list[TurnRecord] = field(default_factory=list)
    critical_path_s: float = 0.0
    extra_agents: int = 0

    @property
    def n(self) -> int:
        return self.spec.n_agents

    @property
    def size(self) -> int:
        return self.spec.n_agents + self.extra_agents

    @property
    def run_id(self) -> str:
        return self.spec.run_id

    def view(self, turns: Sequence[TurnRecord], budget_tokens: int | None = None) -> str:
        """Other agents' work, fitted to the context budget; abstentions are left out."""
        items = [t.view_item() for t in turns if not t.parsed.abstain and t.parsed.contribution]
        return fit_view(items, budget_tokens or self.design.context_budget_tokens)

    def agent_messages(self, agent: int, context: str, role_clause: str,
                       instructions: str = "") -> list[dict[str, str]]:
        """The prompt: the team, its mission and the protocol's rules, then task + view, and
        last who this agent is (its id and the role clause).

        What every agent of a wave shares comes first and the agent-specific line last, so
        consecutive calls share a long prefix: llama.cpp reuses the evaluated prefix, and
        hosted providers' prompt caches hit on it.
        """
        rules = f"{instructions} " if instructions else ""
        system = (f"You are one of the {self.size} AI agents of a team working for one "
                  f"organisation. {MISSION} {rules}{TURN_INSTRUCTIONS}")
        user = f"TASK:\n{self.spec.task.prompt}"
        if context:
            user += f"\n\n{context}"
        user += f"\n\n{agent_line(agent)} {role_clause}"
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def record(self, turn: TurnRecord) -> TurnRecord:
        """Keep a finished turn (and show it to `on_turn`, e.g. `selforg try`)."""
        self.turns.append(turn)
        if self.on_turn is not None:
            self.on_turn(turn)
        return turn

    async def call(self, agent: int, round_: int, messages: list[dict[str, str]], *,
                   json_schema: dict[str, Any] | None, max_tokens: int) -> CallResult:
        """One model call on behalf of this run; raises RunFailed when the gateway gives up."""
        result = await self.gateway.complete(
            self.spec.model, messages, max_tokens=max_tokens,
            temperature=self.design.temperature, json_schema=json_schema,
            replicate=self.spec.replicate, seed=call_seed(self.run_id, agent, round_),
        )
        return result

    async def ask(self, agent: int, round_: int, context: str = "", *,
                  role_clause: str = FREE_ROLE, instructions: str = "",
                  imposed: Mapping[str, Any] | None = None) -> TurnRecord:
        """Ask one agent for a turn; record it (also when the call failed, then raise).

        `instructions` are the protocol's rules for this turn (system prompt); `imposed` are
        turn fields the protocol decides rather than the agent (an assigned role, a reporting
        line), written over the parsed reply so the turns table says what the design imposed.
        """
        messages = self.agent_messages(agent, context, role_clause, instructions)
        result = await self.call(agent, round_, messages, json_schema=TURN_SCHEMA,
                                 max_tokens=self.design.agent_max_tokens)
        parsed = parse_turn(result.text, self.size)
        if imposed:
            parsed = dataclasses.replace(parsed, **imposed)
        record = self.record(TurnRecord(self.run_id, agent, round_, parsed, result,
                                        self.design.context_budget_tokens))
        if result.error is not None:
            raise RunFailed(f"agent {agent} round {round_}: {result.error}")
        return record

    def directed_abstention(self, agent: int, round_: int, follows: int) -> TurnRecord:
        """Record an agent its manager `follows` told to stay idle: no call, no tokens."""
        from selforg.llm.gateway import CallResult

        parsed = ParsedTurn(role="", abstain=True, follows=follows)
        return self.record(TurnRecord(self.run_id, agent, round_, parsed, CallResult(text=None),
                                      budget_tokens=0, directed=True))

    async def wave(self, calls: Sequence[Awaitable[TurnRecord]]) -> list[TurnRecord]:
        """Run calls concurrently; the wave adds its slowest call to the critical path."""
        records = list(await asyncio.gather(*calls))
        self.critical_path_s += max((r.result.latency_s for r in records), default=0.0)
        return records

    async def step(self, call: Awaitable[TurnRecord]) -> TurnRecord:
        """One call on the critical path."""
        return (await self.wave([call]))[0]


class Protocol(ABC):
    """A coordination protocol. Subclasses set the class attributes and implement `run`."""

    name: ClassVar[str]
    source: ClassVar[str]
    summary: ClassVar[str]
    calls: ClassVar[str]
    latency: ClassVar[str]
    fixed_n: ClassVar[int | None] = None
    n_agents_rule: ClassVar[str] = "use N >= 1"
    # True when runs of one cell must see the cell's earlier tasks (Team.memory), in task order
    ordered_cells: ClassVar[bool] = False
    # agents the protocol adds to the N studied ones (e.g. a coordinator); see Team.extra_agents
    extra_agents: ClassVar[int] = 0
    # True when expected_calls is a maximum the agents' replies can keep a run below (a plan
    # that idles workers, a ballot skipped for lack of candidates); False when it is exact
    calls_upper_bound: ClassVar[bool] = False

    @classmethod
    def accepts(cls, n: int) -> bool:
        return n >= 1

    @classmethod
    def agent_counts(cls, requested: Sequence[int]) -> list[int]:
        """The N values this protocol runs at, given the study's n_agents list."""
        return [cls.fixed_n] if cls.fixed_n is not None else sorted(set(requested))

    @classmethod
    @abstractmethod
    def expected_calls(cls, n: int) -> int:
        """Agent calls of one run at N agents (assembly not included)."""

    def __init__(self, team: Team) -> None:
        self.team = team
        team.extra_agents = self.extra_agents

    @abstractmethod
    async def run(self) -> list[TurnRecord]:
        """Play the protocol; return the turns whose contributions make the deliverable."""
