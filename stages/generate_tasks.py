"""Stage generate_tasks: the seeded task set.

Reads:  params.yaml (seed, tasks; models when tasks.generator is llm)
Writes: data/tasks.parquet
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from selforg.config import load_config
from selforg.entry import stage_main
from selforg.paths import Paths
from selforg.tables import write_table
from selforg.tasks import generate_tasks as generate
from selforg.validation import Receipts, validate


def generate_tasks(params: Path, root: Path) -> Path:
    cfg = load_config(params)
    paths = Paths(root)
    tasks = generate(cfg.seed, cfg.tasks.per_level, cfg.tasks.levels, cfg.tasks.verifiable_share)
    if cfg.tasks.generator == "llm" and cfg.tasks.draft_model:
        from selforg.llm.cache import CallCache
        from selforg.llm.gateway import Gateway
        from selforg.tasks.llm_draft import redraft

        gateway = Gateway(cfg, CallCache(paths.cache_dir(cfg.cache.dir)))
        drafted = asyncio.run(redraft(tasks, gateway, cfg.model(cfg.tasks.draft_model)))
        kept = sum(a.prompt != b.prompt for a, b in zip(tasks, drafted, strict=True))
        print(f"generate_tasks: {kept} of {sum(not t.verifiable for t in tasks)} open tasks "
              f"reworded by {cfg.tasks.draft_model} (the rest failed validation)")
        tasks = drafted
    out = paths.tasks
    validate("tasks", [t.as_row() for t in tasks])
    write_table("tasks", [t.as_row() for t in tasks], out)
    Receipts(paths.cache_dir(cfg.cache.dir)).record("tasks", out)
    verifiable = sum(t.verifiable for t in tasks)
    print(f"generate_tasks: {len(tasks)} tasks ({verifiable} verifiable) -> {out}")
    return out


if __name__ == "__main__":
    stage_main(generate_tasks, __doc__)
