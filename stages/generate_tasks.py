"""Stage generate_tasks: the seeded task set.

Reads:  params.yaml (seed, tasks)
Writes: data/tasks.parquet
"""

from __future__ import annotations

from pathlib import Path

from selforg.config import load_config
from selforg.entry import stage_main
from selforg.paths import Paths
from selforg.tables import write_table
from selforg.tasks import generate_tasks as generate


def generate_tasks(params: Path, root: Path) -> Path:
    cfg = load_config(params)
    tasks = generate(cfg.seed, cfg.tasks.per_level, cfg.tasks.levels, cfg.tasks.verifiable_share)
    out = Paths(root).tasks
    write_table("tasks", [t.as_row() for t in tasks], out)
    verifiable = sum(t.verifiable for t in tasks)
    print(f"generate_tasks: {len(tasks)} tasks ({verifiable} verifiable) -> {out}")
    return out


if __name__ == "__main__":
    stage_main(generate_tasks, __doc__)
