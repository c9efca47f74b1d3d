"""The run_protocol stage in batches, so an orchestrator can show and spread its progress.

A batch is one cell of the study (model x protocol x N x replicate, `runner.cell_of`) and all
its tasks. It is never smaller: protocols with `ordered_cells` carry memory from one task to
the next within a cell, so a cell must run in one process, in order.

`run_batch` runs one batch with the same `runner.execute`, Gateway and call cache as the
single-process stage (so the same cache keys) and writes its outcomes atomically to
`.selforg/batches/<id>.json` under the root. `merge_batches` reads every batch of the study
and writes data/runs.parquet, data/turns.parquet and the prompt log (data/prompts.parquet,
data/prompt_texts.parquet) through `write_run_tables`, the very function the stage uses,
after sorting by run_id as `execute` does: the tables are identical by construction. JSON
(not parquet) keeps each row's Python values exactly as `execute` produced them, so the merge
cannot introduce a NaN-for-None or float-for-int drift.

Each partial file records a fingerprint of the whole config and of its batch's runs and task
prompts. A partial with the current fingerprint and no failed run is reused (re-running a batch
is a no-op); one from an older config or task set, or holding failed runs, is recomputed (its
answered calls from the cache), never merged as it is. The merge writes the tables and then,
like the stage, refuses a study with more failed runs than study.max_failed_share allows.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from selforg.config import StudyConfig, load_config
from selforg.errors import DataError
from selforg.failures import check_failures
from selforg.llm.cache import CallCache
from selforg.llm.gateway import Gateway
from selforg.paths import Paths
from selforg.prompt_log import merged
from selforg.protocols.base import RunSpec, TaskView
from selforg.runner import RunOutcome, cell_of, execute, plan_runs
from selforg.tables import read_table, write_table
from selforg.validation import Check, Receipts, validate, validate_inputs, validate_prompt_log

FORMAT = 3  # 2: outcomes carry their prompt log; 3: turns carry their structured-output mode


@dataclass(frozen=True)
class Batch:
    """One cell's runs, with an id that is stable across processes and readable in a UI."""

    id: str
    specs: tuple[RunSpec, ...]


@dataclass(frozen=True)
class BatchResult:
    """What one batch did, for logs and the orchestrator's UI."""

    batch_id: str
    runs: int
    failed: int
    calls: int
    cache_hits: int
    usd: float
    reused: bool


def batch_dir(root: Path) -> Path:
    return root / ".selforg" / "batches"


def batch_path(root: Path, batch_id: str) -> Path:
    return batch_dir(root) / f"{batch_id}.json"


def _batch_id(cell: tuple[Any, ...]) -> str:
    """Readable cell values plus a short hash, so ids stay unique once made file-safe."""
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(map(str, cell)))
    digest = hashlib.sha256(repr(cell).encode()).hexdigest()[:8]
    return f"{readable}-{digest}"


def task_views(tasks: pd.DataFrame) -> list[TaskView]:
    return [TaskView(t.task_id, t.prompt, tuple(t.domains)) for t in tasks.itertuples()]


def list_batches(cfg: StudyConfig, tasks: pd.DataFrame) -> list[Batch]:
    """The study's batches in plan order, each holding its cell's runs in plan order."""
    cells: dict[tuple[Any, ...], list[RunSpec]] = {}
    for spec in plan_runs(cfg, task_views(tasks)):
        cells.setdefault(cell_of(spec), []).append(spec)
    return [Batch(_batch_id(cell), tuple(specs)) for cell, specs in cells.items()]


def fingerprint(cfg: StudyConfig, batch: Batch) -> str:
    """Everything that can change a batch's outcome: the config and its runs' tasks."""
    blob = json.dumps({"config": cfg.model_dump(mode="json"),
                       "runs": [[s.run_id, s.task.task_id, s.task.prompt] for s in batch.specs]},
                      sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _read_partial(path: Path) -> dict[str, Any]:
    """A partial file's content; DataError if it is not a complete partial of this format."""
    try:
        data = json.loads(path.read_text())
        if data["format"] != FORMAT:
            raise ValueError(f"format {data['format']}, expected {FORMAT}")
        if not isinstance(data["fingerprint"], str):
            raise ValueError("no fingerprint")
        for o in data["outcomes"]:
            if not all(isinstance(o[k], t) for k, t in (("run", dict), ("turns", list),
                                                        ("prompts", list), ("texts", list))):
                raise ValueError("an outcome is not {run: {...}, turns: [...], prompts: [...], "
                                 "texts: [...]}")
        return dict(data)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{path} is not a readable batch file ({exc})",
                        "delete it and re-run the study (`selforg run`): the batch is "
                        "recomputed from the call cache") from None


def _current_partial(path: Path, expected: str) -> dict[str, Any] | None:
    """The partial if it is readable and current; a batch recomputes anything else."""
    if not path.is_file():
        return None
    try:
        data = _read_partial(path)
    except DataError:
        return None
    return data if data["fingerprint"] == expected else None


def _outcomes(data: dict[str, Any]) -> list[RunOutcome]:
    return [RunOutcome(o["run"], o["turns"], o["prompts"], {int(k): t for k, t in o["texts"]})
            for o in data["outcomes"]]


def _outcome_json(o: RunOutcome) -> dict[str, Any]:
    """An outcome as JSON: texts as [id, text] pairs (JSON object keys would be strings)."""
    return {"run": o.run, "turns": o.turns, "prompts": o.prompts,
            "texts": [[k, t] for k, t in o.texts.items()]}


def _write_partial(path: Path, data: dict[str, Any]) -> None:
    """Write beside the destination and rename, so a killed batch leaves no partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False))
    os.replace(tmp, path)


def load_study(params: Path, root: Path) -> tuple[StudyConfig, pd.DataFrame]:
    """The config and the tasks table (schema-checked; values validated by the caller)."""
    return load_config(params), read_table("tasks", Paths(root).tasks)


def receipts_of(cfg: StudyConfig, root: Path) -> Receipts:
    return Receipts(Paths(root).cache_dir(cfg.cache.dir))


def check_tasks(cfg: StudyConfig, root: Path, tasks: pd.DataFrame) -> None:
    """The tasks table's values, unless the file has a receipt (selforg.validation)."""
    validate_inputs([Check("tasks", tasks, path=Paths(root).tasks)], apart=False,
                    receipts=receipts_of(cfg, root))


def plan_batches(params: Path, root: Path) -> list[str]:
    """Validate the tasks table once, before any batch spends, and list the batch ids."""
    cfg, tasks = load_study(params, root)
    check_tasks(cfg, root, tasks)
    return [b.id for b in list_batches(cfg, tasks)]


def run_batch(params: Path, root: Path, batch_id: str) -> BatchResult:
    """Run one batch (or reuse its partial if it is current) and write its partial file."""
    cfg, tasks = load_study(params, root)
    batches = {b.id: b for b in list_batches(cfg, tasks)}
    if batch_id not in batches:
        raise DataError(f"no batch {batch_id!r} in this study",
                        f"the study's batches are: {', '.join(batches)}")
    batch, path = batches[batch_id], batch_path(root, batch_id)
    expected = fingerprint(cfg, batch)
    data = _current_partial(path, expected)
    if data is not None and all(o.run["status"] == "ok" for o in _outcomes(data)):
        runs = [o.run for o in _outcomes(data)]
        return BatchResult(batch_id, len(runs), sum(r["status"] != "ok" for r in runs),
                           0, 0, 0.0, reused=True)
    paths = Paths(root)
    gateway = Gateway(cfg, CallCache(paths.cache_dir(cfg.cache.dir)))
    outcomes = asyncio.run(execute(cfg, batch.specs, gateway))
    _write_partial(path, {"format": FORMAT, "batch": batch_id, "fingerprint": expected,
                          "outcomes": [_outcome_json(o) for o in outcomes]})
    s = gateway.stats
    return BatchResult(batch_id, len(outcomes), sum(o.run["status"] != "ok" for o in outcomes),
                       s.calls, s.cache_hits, s.usd, reused=False)


def write_run_tables(root: Path, outcomes: Sequence[RunOutcome], tasks: pd.DataFrame,
                     receipts: Receipts) -> None:
    """Validate and write runs, turns and their prompt log from outcomes sorted by run_id
    (stage and merge), with receipts for the tables later stages read; shared prompt text is
    stored once for the whole study."""
    paths = Paths(root)
    runs = [o.run for o in outcomes]
    turns = [t for o in outcomes for t in o.turns]
    log = merged((o.prompts, o.texts) for o in outcomes)
    texts = log.text_rows()
    validate("runs", runs, tasks=tasks)
    validate("turns", turns, runs=runs)
    validate_prompt_log("prompts", log.calls, texts, turns)
    write_table("runs", runs, paths.runs)
    write_table("turns", turns, paths.turns)
    write_table("prompts", log.calls, paths.prompts)
    write_table("prompt_texts", texts, paths.prompt_texts)
    for name in ("runs", "turns"):  # the tables later stages read
        receipts.record(name, paths.table(name))


def merge_batches(params: Path, root: Path) -> Path:
    """Write data/runs.parquet and data/turns.parquet from every batch's current partial."""
    cfg, tasks = load_study(params, root)
    check_tasks(cfg, root, tasks)
    outcomes: list[RunOutcome] = []
    for batch in list_batches(cfg, tasks):
        path = batch_path(root, batch.id)
        if not path.is_file():
            raise DataError(f"batch {batch.id} has not run ({path} does not exist)",
                            "run every batch before merging: `selforg run` does both")
        data = _read_partial(path)
        if data["fingerprint"] != fingerprint(cfg, batch):
            raise DataError(f"{path} was written for another config or task set",
                            "re-run the study (`selforg run`): the batch is recomputed")
        outcomes.extend(_outcomes(data))
    outcomes.sort(key=lambda o: o.run["run_id"])
    write_run_tables(root, outcomes, tasks, receipts_of(cfg, root))
    paths = Paths(root)
    accepted = check_failures("run-protocol", "runs", [o.run for o in outcomes],
                              cfg.study.max_failed_share, f"{paths.runs}, {paths.turns}")
    if accepted:
        print(accepted)
    return paths.runs
