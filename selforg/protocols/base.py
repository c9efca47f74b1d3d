"""What every protocol stands on: the run specification, the team, and the Protocol class.

A protocol only decides who is asked what, in which order, and what each agent may see. The
`Team` does the rest the same way for every protocol: building the agent prompt around a
mission (never a role, unless the protocol assigns one), fitting the visible work of others to
the context budget, calling the model through the gateway, parsing the turn, recording tokens,
cost and latency, and keeping the run's critical-path latency (waves run in parallel). It also
applies a run's shock (agents removed at the midpoint, a priority shift announced there,
agents answered by another model), so no protocol has shock-specific code (docs/protocols.md,
"Shocks").
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import math
import random
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from selforg.llm.tokens import token_counter
from selforg.prompt_log import PromptLog
from selforg.protocols.turn import TURN_INSTRUCTIONS, TURN_SCHEMA, ParsedTurn, parse_turn
from selforg.protocols.view import ContextBudget, ViewItem
from selforg.seeds import stable_seed
from selforg.tasks.announcements import announcement, updated_task

if TYPE_CHECKING:
    from selforg.config import ModelSpec, Removal, Shock, StudyDesign
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
    """The part of a task the agents see, and its domains (which a priority shift draws its
    announcement from; empty for a hand-written task)."""

    task_id: str
    prompt: str
    domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunSpec:
    """One run: a task, a protocol, N agents of one model, a replicate, and maybe a shock.

    `substitute` is the model a substitution shock names, resolved from its alias by whoever
    plans the run (the team needs the ModelSpec to call it); it is set exactly when the shock
    substitutes.
    """

    task: TaskView
    protocol: str
    model: ModelSpec
    n_agents: int
    replicate: int
    assembly: str
    shock: Shock | None = None
    substitute: ModelSpec | None = None

    def __post_init__(self) -> None:
        wanted = self.shock is not None and self.shock.substitute is not None
        if wanted != (self.substitute is not None):
            raise ValueError("RunSpec.substitute must be given exactly for a substitution shock")

    @property
    def run_id(self) -> str:
        """Stable id; a baseline run's is unchanged by shocks existing (the call cache and
        committed results are keyed on it), a shocked twin's adds the shock name."""
        parts: tuple[object, ...] = (self.task.task_id, self.protocol, self.model.name,
                                     self.n_agents, self.replicate, self.assembly)
        if self.shock is None:
            digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:12]
            return f"{self.protocol}-{digest}"
        key = "|".join(map(str, (*parts, self.shock.name)))
        return f"{self.protocol}-{self.shock.name}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"

    @property
    def announcement(self) -> str | None:
        """What a priority-shift shock announces to this run's agents (None for other runs);
        the same for every run of the task under the shock."""
        if self.shock is None or self.shock.priority_shift is None:
            return None
        return announcement(self.task.task_id, self.task.prompt, self.task.domains,
                            self.shock.name, self.shock.priority_shift.kind)


class RunFailed(Exception):
    """A model call failed after its retries; the run is recorded as failed with this reason."""


@dataclass
class TurnRecord:
    """One turn of a run, as stored in the turns table.

    `model` is the alias of the model that answers this agent's calls (the run's, unless a
    substitution shock chose the agent); `Team.record` fills it in. `removed`: the agent had
    left the run (removal shock), so nobody was asked.
    """

    run_id: str
    agent: int
    round: int
    parsed: ParsedTurn
    result: CallResult
    budget_tokens: int
    directed: bool = False
    removed: bool = False
    model: str = ""

    def as_row(self) -> dict[str, Any]:
        p, r = self.parsed, self.result
        return {
            "run_id": self.run_id, "agent": self.agent, "round": self.round,
            "model": self.model, "role": p.role or None, "role_norm": p.role_norm,
            "abstain": p.abstain, "directed": self.directed, "removed": self.removed,
            "builds_on": list(p.builds_on), "follows": p.follows,
            "contribution": p.contribution, "prompt_tokens": r.prompt_tokens,
            "completion_tokens": r.completion_tokens, "budget_tokens": self.budget_tokens,
            "cost_usd": r.cost_usd, "latency_s": r.latency_s, "cached": r.cached,
            "parse_ok": p.ok, "error": r.error, "structured_output": r.structured_output,
        }

    @property
    def model_called(self) -> bool:
        """False when nobody was asked: a directed abstention (the coordinator idled the
        agent) or a removed agent."""
        return not (self.directed or self.removed)

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

    Shocks: `started_calls` counts agent calls as they start (in the order a wave starts
    them, never the order they finish, which differs between a live run and a cache replay);
    when `shock_after` of them have started, the next ask fires the run's midpoint shock: a
    removal sets `removed`, a priority shift sets `announced` (from then on `task_prompt`
    carries it). `wave_start` is how many turns were recorded when the current wave began, the
    completed work `most_followed` ranks. The protocol sets `extra_agents` and `shock_after`.

    `prompt_log` keeps the exact messages of every call the team makes (agent turns, a plan,
    the assembly), keyed like its turn, for the prompts table (selforg.prompt_log).
    """

    spec: RunSpec
    gateway: Gateway
    design: StudyDesign
    memory: dict[str, Any] = field(default_factory=dict)
    on_turn: Callable[[TurnRecord], None] | None = None
    turns: list[TurnRecord] = field(default_factory=list)
    critical_path_s: float = 0.0
    extra_agents: int = 0
    shock_after: int = 0
    started_calls: int = 0
    removed: frozenset[int] | None = None
    announced: str | None = None
    wave_start: int = 0
    prompt_log: PromptLog = field(default_factory=PromptLog)

    @property
    def n(self) -> int:
        return self.spec.n_agents

    @property
    def size(self) -> int:
        return self.spec.n_agents + self.extra_agents

    @property
    def run_id(self) -> str:
        return self.spec.run_id

    @property
    def task_prompt(self) -> str:
        """The task as agents asked now read it: with the priority shift's announcement once
        it has been made."""
        return updated_task(self.spec.task.prompt, self.announced)

    @cached_property
    def context_budget(self) -> ContextBudget:
        """The per-call view budget, counted with the run model's tokenizer (substituted agents
        see views fitted in the run model's tokens too)."""
        return ContextBudget(self.design.context_budget_tokens,
                             token_counter(self.spec.model.model))

    def view(self, turns: Sequence[TurnRecord]) -> str:
        """Other agents' work, fitted to the context budget; abstentions are left out."""
        items = [t.view_item() for t in turns if not t.parsed.abstain and t.parsed.contribution]
        return self.context_budget.fit_view(items)

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
        user = f"TASK:\n{self.task_prompt}"
        if context:
            user += f"\n\n{context}"
        user += f"\n\n{agent_line(agent)} {role_clause}"
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def record(self, turn: TurnRecord) -> TurnRecord:
        """Keep a finished turn, stamped with its agent's model (and show it to `on_turn`,
        e.g. `selforg try`)."""
        turn = dataclasses.replace(turn, model=self.model_of(turn.agent).name)
        self.turns.append(turn)
        if self.on_turn is not None:
            self.on_turn(turn)
        return turn

    @cached_property
    def substituted(self) -> frozenset[int]:
        """Agents the substitution shock hands to its model for the whole run
        (`Substitution.agents` of them), drawn with a seed from the run_id (empty without one).

        Computed on first use, which is after the protocol has set `extra_agents`.
        """
        shock = self.spec.shock
        if shock is None or shock.substitute is None:
            return frozenset()
        rng = random.Random(stable_seed(self.run_id, "substitute"))
        return frozenset(rng.sample(range(self.size), shock.substitute.agents(self.size)))

    def model_of(self, agent: int) -> ModelSpec:
        """The model that answers `agent` (the assembly call, agent -1, is the run's)."""
        if agent in self.substituted and self.spec.substitute is not None:
            return self.spec.substitute
        return self.spec.model

    async def call(self, agent: int, round_: int, messages: list[dict[str, str]], *,
                   json_schema: dict[str, Any] | None, max_tokens: int) -> CallResult:
        """One model call on behalf of this run, its exact messages kept in `prompt_log`
        (keyed like its turn) before it is sent, so a failed call's prompt is kept too."""
        if agent >= 0:
            self.started_calls += 1
        seed = call_seed(self.run_id, agent, round_)
        self.prompt_log.record({"run_id": self.run_id, "agent": agent, "round": round_},
                               messages, json_schema=json_schema, max_tokens=max_tokens,
                               temperature=self.design.temperature, seeds=[seed])
        result = await self.gateway.complete(
            self.model_of(agent), messages, max_tokens=max_tokens,
            temperature=self.design.temperature, json_schema=json_schema,
            replicate=self.spec.replicate, seed=seed,
        )
        return result

    def is_removed(self, agent: int) -> bool:
        """Whether `agent` has left the run; fires the midpoint shock when its time has come.

        Called as an ask starts, before its call is counted and its prompt built, so the shock
        fires at the start of the first ask after `shock_after` agent calls have started: a
        removal takes its agents out, a priority shift is announced to this ask and every
        later one.
        """
        shock = self.spec.shock
        if shock is not None and self.started_calls >= self.shock_after:
            if shock.remove is not None and self.removed is None:
                self.removed = self._removal_targets(shock.remove)
            if shock.priority_shift is not None and self.announced is None:
                self.announced = self.spec.announcement
        return agent in (self.removed or ())

    def _removal_targets(self, removal: Removal) -> frozenset[int]:
        """k agents (at most size - 1): seeded at random, or the most followed.

        `most_followed` ranks agents by how often completed turns (those recorded before the
        current wave began, the same in a live run and a replay) name them in `follows`,
        then in `builds_on`, then by lowest id.
        """
        k = min(removal.k, self.size - 1)
        agents = range(self.size)
        if removal.target == "random":
            return frozenset(random.Random(stable_seed(self.run_id, "remove")).sample(agents, k))
        done = [t for t in self.turns[:self.wave_start] if t.agent >= 0]
        follows = Counter(t.parsed.follows for t in done)
        builds = Counter(a for t in done for a in t.parsed.builds_on)
        ranked = sorted(agents, key=lambda a: (-follows[a], -builds[a], a))
        return frozenset(ranked[:k])

    def _removed_turn(self, agent: int, round_: int) -> TurnRecord:
        """Record the ask of an agent that has left: an abstention with no call, no tokens."""
        from selforg.llm.gateway import CallResult

        parsed = ParsedTurn(role="", abstain=True, follows=None)
        return self.record(TurnRecord(self.run_id, agent, round_, parsed, CallResult(text=None),
                                      budget_tokens=0, removed=True))

    async def ask(self, agent: int, round_: int, context: str = "", *,
                  role_clause: str = FREE_ROLE, instructions: str = "",
                  imposed: Mapping[str, Any] | None = None) -> TurnRecord:
        """Ask one agent for a turn; record it (also when the call failed, then raise).

        `instructions` are the protocol's rules for this turn (system prompt); `imposed` are
        turn fields the protocol decides rather than the agent (an assigned role, a reporting
        line), written over the parsed reply so the turns table says what the design imposed.
        An agent removed by a shock is not asked: its turn is a removed abstention.
        """
        if self.is_removed(agent):
            return self._removed_turn(agent, round_)
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
        """Run calls concurrently; the wave adds its slowest call to the critical path.

        gather starts the calls in the order given, which is what makes the shock's call
        count deterministic. Every call of the wave finishes (and is recorded) before a
        failure is raised: the siblings of a failed call were answered and paid, so they
        must be rows of the run, not orphans still in flight when the run is written up.
        """
        self.wave_start = len(self.turns)
        settled = await asyncio.gather(*calls, return_exceptions=True)
        records = [r for r in settled if isinstance(r, TurnRecord)]
        self.critical_path_s += max((r.result.latency_s for r in records), default=0.0)
        errors = [e for e in settled if isinstance(e, BaseException)]
        if errors:
            # a budget stop or a bug outranks a failed call, which only fails this run
            raise next((e for e in errors if not isinstance(e, RunFailed)), errors[0])
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

    @classmethod
    def completion_cap(cls, n: int, agent_max_tokens: int) -> int:
        """The most completion tokens one run's agent calls may use (assembly not included),
        for the plan's worst case; a protocol whose calls have other caps overrides it."""
        return cls.expected_calls(n) * agent_max_tokens

    def __init__(self, team: Team) -> None:
        self.team = team
        team.extra_agents = self.extra_agents
        # A removal shock fires mid-run: once half the expected agent calls have started.
        team.shock_after = math.ceil(self.expected_calls(team.n) / 2)

    @abstractmethod
    async def run(self) -> list[TurnRecord]:
        """Play the protocol; return the turns whose contributions make the deliverable."""
