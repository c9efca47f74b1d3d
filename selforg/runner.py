"""Executing runs: the library behind the run_protocol stage (no file I/O here).

Runs are independent coroutines, bounded by a run-level semaphore, with model calls bounded
per model inside the gateway. Protocols with `ordered_cells` (organisational memory across
tasks) run each cell's tasks in a fixed order so results reproduce. A run whose model call
fails after retries is recorded with status "failed" and the reason, its turns kept.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from selforg.analysis.metrics import hierarchy_depth
from selforg.config import StudyConfig
from selforg.llm.gateway import Gateway
from selforg.protocols import registry
from selforg.protocols.assembly import ASSEMBLER, assemble
from selforg.protocols.base import RunFailed, RunSpec, TaskView, Team, TurnRecord


@dataclass(frozen=True)
class RunOutcome:
    """A finished run: its runs row, turns rows and prompt log (call rows and the distinct
    texts they point at, `selforg.prompt_log`; text ids are JSON-safe ints)."""

    run: dict[str, Any]
    turns: list[dict[str, Any]]
    prompts: list[dict[str, Any]] = field(default_factory=list)
    texts: dict[int, str] = field(default_factory=dict)


def plan_runs(cfg: StudyConfig, tasks: Sequence[TaskView]) -> list[RunSpec]:
    """Every run of the study, in a fixed order (cells outer, tasks inner).

    Each baseline cell is followed by one shocked twin cell per shock that applies to it
    (`StudyConfig.shocks_for`); baseline runs are the same with or without shocks.
    """
    specs: list[RunSpec] = []
    for model in cfg.agent_models:
        for name in cfg.study.protocols:
            for n in registry.get(name).agent_counts(cfg.study.n_agents):
                for replicate in range(cfg.study.replicates):
                    specs.extend(RunSpec(task, name, model, n, replicate, cfg.study.assembly)
                                 for task in tasks)
                    for shock in cfg.shocks_for(model.name, n):
                        substitute = (cfg.model(shock.substitute.model)
                                      if shock.substitute is not None else None)
                        specs.extend(RunSpec(task, name, model, n, replicate,
                                             cfg.study.assembly, shock, substitute)
                                     for task in tasks)
    return specs


def cell_of(spec: RunSpec) -> tuple[str | int, ...]:
    """The runs that share organisational memory: model x protocol x N x replicate, and the
    shock for a shocked twin (a shocked organisation remembers its own shocked tasks, and
    never changes what the baseline runs see). Baseline cells keep their 4-part key."""
    cell: tuple[str | int, ...] = (spec.model.name, spec.protocol, spec.n_agents,
                                   spec.replicate)
    return cell if spec.shock is None else (*cell, spec.shock.name)


def _run_row(spec: RunSpec, team: Team, final: str | None, status: str,
             error: str | None) -> dict[str, Any]:
    agent_turns = [t for t in team.turns if t.agent != ASSEMBLER]
    last_round = max((t.round for t in agent_turns), default=0)
    final_round = [t for t in agent_turns if t.round == last_round]
    follows = {t.agent: t.parsed.follows for t in agent_turns}
    results = [t.result for t in team.turns]
    return {
        "run_id": spec.run_id, "task_id": spec.task.task_id, "protocol": spec.protocol,
        "model": spec.model.name, "n_agents": spec.n_agents, "replicate": spec.replicate,
        "assembly": spec.assembly, "shock": spec.shock.name if spec.shock else None,
        "shock_removed": sorted(team.removed or ()),
        "shock_substituted": sorted(team.substituted), "shock_announcement": team.announced,
        "final_answer": final,
        "n_active": sum(not t.parsed.abstain for t in final_round),
        "n_abstained": sum(t.parsed.abstain for t in final_round),
        "hierarchy_depth": hierarchy_depth(follows) if follows else 1,
        "n_calls": sum(t.model_called for t in team.turns),
        "prompt_tokens": sum(r.prompt_tokens for r in results),
        "completion_tokens": sum(r.completion_tokens for r in results),
        "cost_usd": sum(r.cost_usd for r in results),
        "latency_s": team.critical_path_s, "status": status, "error": error,
    }


async def run_one(spec: RunSpec, gateway: Gateway, cfg: StudyConfig,
                  memory: dict[str, Any] | None = None,
                  on_turn: Callable[[TurnRecord], None] | None = None) -> RunOutcome:
    """Play one run to the end; provider failures become a failed run, not an exception."""
    team = Team(spec, gateway, cfg.study, memory=memory if memory is not None else {},
                on_turn=on_turn)
    protocol = registry.get(spec.protocol)(team)
    final: str | None = None
    status, error = "ok", None
    try:
        contributing: list[TurnRecord] = await protocol.run()
        final = await assemble(team, contributing, spec.assembly)
    except RunFailed as exc:
        status, error = "failed", str(exc)
    turns = sorted((t.as_row() for t in team.turns), key=lambda r: (r["round"], r["agent"]))
    log = team.prompt_log
    prompts = sorted(log.calls, key=lambda r: (r["round"], r["agent"]))
    return RunOutcome(_run_row(spec, team, final, status, error), turns, prompts, log.texts)


async def execute(cfg: StudyConfig, specs: Sequence[RunSpec], gateway: Gateway,
                  on_done: Callable[[RunOutcome], None] = lambda _: None,
                  max_parallel_runs: int | None = None) -> list[RunOutcome]:
    """Run everything; outcomes come back sorted by run_id whatever the completion order."""
    limit = max_parallel_runs or max(2, 2 * sum(m.max_concurrency for m in cfg.agent_models))
    gate = asyncio.Semaphore(limit)
    outcomes: list[RunOutcome] = []

    async def one(spec: RunSpec, memory: dict[str, Any] | None) -> None:
        async with gate:
            outcome = await run_one(spec, gateway, cfg, memory)
        outcomes.append(outcome)
        on_done(outcome)

    async def ordered_cell(cell_specs: list[RunSpec]) -> None:
        memory: dict[str, Any] = {}
        for spec in cell_specs:
            await one(spec, memory)

    cells: dict[tuple[str | int, ...], list[RunSpec]] = defaultdict(list)
    jobs = []
    for spec in specs:
        if registry.get(spec.protocol).ordered_cells:
            cells[cell_of(spec)].append(spec)
        else:
            jobs.append(one(spec, None))
    jobs.extend(ordered_cell(cell) for cell in cells.values())
    tasks = [asyncio.ensure_future(j) for j in jobs]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    return sorted(outcomes, key=lambda o: o.run["run_id"])
