"""Stage judge: the judge panel scores every finished run, blind to how it was produced.

Reads:  params.yaml (models, judges, budget, cache, retry), data/tasks.parquet,
        data/runs.parquet
Writes: data/judgments.parquet, and the judges' prompts: data/judge_prompts.parquet,
        data/judge_prompt_texts.parquet (selforg.prompt_log; read by `selforg view` only)
When more judgments failed than study.max_failed_share allows, the tables are still written and
the stage then exits 4 (selforg.failures); running it again re-asks only the failed ones.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from selforg.config import load_config
from selforg.entry import stage_main
from selforg.failures import check_failures
from selforg.judging.panel import jobs_for, judge_all
from selforg.llm.cache import CallCache
from selforg.llm.gateway import Gateway
from selforg.llm.providers import loads_in_process, release_local_models
from selforg.paths import Paths
from selforg.progress import print_gateway_notes, progress
from selforg.prompt_log import PromptLog
from selforg.tables import read_table, write_table
from selforg.validation import Check, Receipts, validate, validate_inputs, validate_prompt_log


def judge(params: Path, root: Path) -> Path:
    cfg = load_config(params)
    paths = Paths(root)
    tasks = read_table("tasks", paths.tasks)
    runs = read_table("runs", paths.runs)
    receipts = Receipts(paths.cache_dir(cfg.cache.dir))
    validate_inputs([Check("tasks", tasks, path=paths.tasks),
                     Check("runs", runs, {"tasks": tasks}, paths.runs)],
                    apart=loads_in_process(cfg.judge_models), receipts=receipts)
    by_id = {t["task_id"]: t for t in tasks.to_dict("records")}
    jobs = jobs_for(cfg, runs.to_dict("records"), by_id)
    gateway = Gateway(cfg, CallCache(paths.cache_dir(cfg.cache.dir)))
    with progress(len(jobs), "judge", "judgment", gateway.stats) as bar:
        log = PromptLog()
        rows = asyncio.run(judge_all(cfg, jobs, gateway, on_done=bar.advance, prompt_log=log))
    release_local_models()  # before the tables are validated: the model's memory is not needed
    calls = sorted(log.calls, key=lambda r: (r["run_id"], r["judge_model"], r["sample"]))
    texts = log.text_rows(calls)
    validate("judgments", rows, runs=runs)
    validate_prompt_log("judge_prompts", calls, texts, rows)
    write_table("judgments", rows, paths.judgments)
    receipts.record("judgments", paths.judgments)
    write_table("judge_prompts", calls, paths.judge_prompts)
    write_table("judge_prompt_texts", texts, paths.judge_prompt_texts)
    failed = sum(r["status"] != "ok" for r in rows)
    s = gateway.stats
    print(f"judge: {len(rows)} judgments ({failed} failed); model calls {s.calls}, "
          f"cache hits {s.cache_hits} -> {paths.judgments}")
    print_gateway_notes("judge", gateway)
    accepted = check_failures("judge", "judgments", rows, cfg.study.max_failed_share,
                              str(paths.judgments))
    if accepted:
        print(accepted)
    return paths.judgments


if __name__ == "__main__":
    stage_main(judge, __doc__)
