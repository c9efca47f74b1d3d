"""Stage run_protocol: every run of the study (protocols x N x models x replicates x tasks).

Reads:  params.yaml (models, study, budget, cache, retry), data/tasks.parquet
Writes: data/runs.parquet, data/turns.parquet, and the agents' prompts: data/prompts.parquet,
        data/prompt_texts.parquet (selforg.prompt_log; read by `selforg view` only)
Every model call is cached (cache.dir), so a killed stage re-run replays finished calls for
free; the tables are written only when every run has finished, atomically. When more runs
failed than study.max_failed_share allows, the tables are still written and the stage then
exits 4 (selforg.failures): `dvc repro` does not record it as done, and running it again
retries only the failed calls.

All runs go through one `execute` in one event loop, not batch by batch: runs of different
cells then share the per-model concurrency slots, so a stage keeps a hosted model as busy as
`max_concurrency` allows and `dvc repro` leaves no partial files. The Prefect flow runs the same
runs per cell (selforg.batches) and writes the tables through the same `write_run_tables`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from selforg.batches import task_views, write_run_tables
from selforg.config import load_config
from selforg.entry import stage_main
from selforg.failures import check_failures
from selforg.llm.cache import CallCache
from selforg.llm.gateway import Gateway
from selforg.llm.providers import loads_in_process, release_local_models
from selforg.paths import Paths
from selforg.progress import print_gateway_notes, progress
from selforg.runner import execute, plan_runs
from selforg.tables import read_table
from selforg.validation import Check, Receipts, validate_inputs


def run_protocol(params: Path, root: Path) -> Path:
    cfg = load_config(params)
    paths = Paths(root)
    tasks = read_table("tasks", paths.tasks)
    receipts = Receipts(paths.cache_dir(cfg.cache.dir))
    validate_inputs([Check("tasks", tasks, path=paths.tasks)],
                    apart=loads_in_process(cfg.agent_models + cfg.substitute_models),
                    receipts=receipts)
    specs = plan_runs(cfg, task_views(tasks))
    gateway = Gateway(cfg, CallCache(paths.cache_dir(cfg.cache.dir)))
    with progress(len(specs), "run_protocol", "run", gateway.stats) as bar:
        outcomes = asyncio.run(execute(cfg, specs, gateway, on_done=bar.advance))
    release_local_models()  # before the tables are validated: the model's memory is not needed
    write_run_tables(root, outcomes, tasks, receipts)
    runs = [o.run for o in outcomes]
    failed = sum(r["status"] != "ok" for r in runs)
    s = gateway.stats
    print(f"run_protocol: {len(outcomes)} runs ({failed} failed); model calls {s.calls}, "
          f"cache hits {s.cache_hits}, failed calls {s.failures}, "
          f"tokens {s.prompt_tokens + s.completion_tokens:,}, ${s.usd:.4f} -> {paths.runs}")
    print_gateway_notes("run_protocol", gateway)
    accepted = check_failures("run_protocol", "runs", runs, cfg.study.max_failed_share,
                              f"{paths.runs}, {paths.turns}")
    if accepted:
        print(accepted)
    return paths.runs


if __name__ == "__main__":
    stage_main(run_protocol, __doc__)
