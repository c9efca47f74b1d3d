"""`selforg try`: one protocol on one task, each turn printed as it arrives.

For looking at what agents actually say before paying for a study. Uses the same gateway, cache
and budget as the study, so a trial's calls are cached and count against budget.max_usd. A
trial whose run failed exits 4, like a stage with failed runs.
"""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path

from selforg.config import load_config
from selforg.errors import SelforgError
from selforg.failures import StudyIncomplete, reason
from selforg.llm.cache import CallCache
from selforg.llm.gateway import Gateway
from selforg.paths import Paths
from selforg.progress import print_gateway_notes
from selforg.protocols import registry
from selforg.protocols.base import RunSpec, TaskView, TurnRecord
from selforg.tasks import generate_tasks


def _show(turn: TurnRecord) -> None:
    p, r = turn.parsed, turn.result
    who = "assembly" if turn.agent < 0 else f"agent {turn.agent} round {turn.round}"
    flags = [f"{r.prompt_tokens}+{r.completion_tokens} tok", f"{r.latency_s:.2f}s"]
    flags += ["cached"] * r.cached + ["PARSE FAILED"] * (not p.ok) + ["abstains"] * p.abstain
    print(f"--- {who} | role: {p.role or '-'} | {', '.join(flags)}")
    if p.follows is not None or p.builds_on:
        print(f"    follows {p.follows}, builds on {p.builds_on}")
    print(textwrap.indent(textwrap.fill(p.contribution or "(nothing)", 96), "    "), flush=True)


def run_trial(params: Path, protocol: str, n: int, level: str, index: int,
              model: str | None) -> None:
    cfg = load_config(params)
    # Once the params are valid: the runner imports pandas (through selforg.analysis), which
    # a refused params file should not wait for.
    from selforg.runner import run_one

    proto = registry.get(protocol)
    if not proto.accepts(n):
        raise SelforgError(f"protocol {protocol!r} does not accept N = {n}", proto.n_agents_rule)
    tasks = [t for t in generate_tasks(cfg.seed, max(cfg.tasks.per_level, index + 1), [level],
                                       cfg.tasks.verifiable_share)]
    task = tasks[index]
    spec_model = cfg.model(model) if model else cfg.agent_models[0]
    n = proto.fixed_n or n
    spec = RunSpec(TaskView(task.task_id, task.prompt), protocol, spec_model, n, 0,
                   cfg.study.assembly)
    print(f"task {task.task_id}: {task.title}\n{textwrap.indent(task.prompt, '  ')}\n")
    gateway = Gateway(cfg, CallCache(Paths(Path(".")).cache_dir(cfg.cache.dir)))
    outcome = asyncio.run(run_one(spec, gateway, cfg, on_turn=_show))
    run = outcome.run
    print(f"\n=== final answer ({run['status']}{', ' + run['error'] if run['error'] else ''})")
    print(textwrap.indent(run["final_answer"] or "(none)", "  "))
    print(f"\n{run['n_calls']} calls, {run['prompt_tokens'] + run['completion_tokens']} tokens, "
          f"${run['cost_usd']:.4f}, critical path {run['latency_s']:.2f}s")
    print_gateway_notes("try", gateway)
    if run["status"] != "ok":
        raise StudyIncomplete(f"the trial run failed: {reason(run['error'])}",
                              "`selforg check` tests each model's reachability, key and "
                              "structured output with one tiny call; answered calls are "
                              "cached, so trying again repeats only the failed one")
