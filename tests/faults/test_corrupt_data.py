"""A truncated or garbage table in data/ stops the next stage cleanly.

Why: a half-copied file, a disk that filled up, or a stray edit must not become a traceback or,
worse, a stage that carries on with partial data. The consuming stage, run as a user runs it
(`python -m stages.X --params P --root R`), must exit 2 naming the file and the stage that
rebuilds it, leave the bad file as it was, and write none of its own outputs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from stages.generate_tasks import generate_tasks
from stages.judge import judge
from stages.run_protocol import run_protocol
from tests.conftest import scripted_params, write_params
from tests.faults.conftest import assert_clean_failure, start

# table -> (the stage that reads it next, what that stage would write, the stage that makes it)
CONSUMER = {
    "tasks": ("run_protocol", ["data/runs.parquet", "data/turns.parquet"], "generate_tasks"),
    "runs": ("judge", ["data/judgments.parquet"], "run_protocol"),
    "turns": ("aggregate", ["reports"], "run_protocol"),
    "judgments": ("aggregate", ["reports"], "judge"),
}


def truncate(data: bytes) -> bytes:
    """A copy cut off mid-file, as after a full disk or an interrupted transfer."""
    return data[: len(data) // 2]


def garbage(data: bytes) -> bytes:
    """Same length, not parquet at all."""
    return (b"not a parquet file \x00\xff" * (len(data) // 21 + 1))[: len(data)]


CORRUPTIONS = {"truncated": truncate, "garbage": garbage}
# Each table once, the two kinds alternating: every stage process costs seconds of imports.
CASES = [("tasks", "truncated"), ("runs", "garbage"), ("turns", "truncated"),
         ("judgments", "garbage")]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory, subprocess_env: dict[str, str],
             ) -> dict[tuple[str, str], tuple[subprocess.CompletedProcess[str], Path, bytes]]:
    """One good study (scripted models), then for each case a copy with one table corrupted
    and the consuming stage run on it; the processes run a few at a time."""
    base = tmp_path_factory.mktemp("study")
    params = write_params(base / "params.yaml", scripted_params(base / "cache"))
    generate_tasks(params, base)
    run_protocol(params, base)
    judge(params, base)
    jobs = []
    for table, kind in CASES:
        root = tmp_path_factory.mktemp(f"{table}-{kind}")
        shutil.copytree(base / "data", root / "data")
        # Same cache: were the stage to get past the bad file it could not tell by missing calls.
        write_params(root / "params.yaml", scripted_params(base / "cache"))
        bad = root / "data" / f"{table}.parquet"
        bad.write_bytes(CORRUPTIONS[kind](bad.read_bytes()))
        stage, outputs, _ = CONSUMER[table]
        for out in outputs:
            if out.endswith(".parquet"):
                (root / out).unlink(missing_ok=True)
        jobs.append(((table, kind), root, stage, bad.read_bytes()))
    results = {}
    width = max(2, os.cpu_count() or 2)
    for i in range(0, len(jobs), width):
        batch = [(case, root, data, start(["-m", f"stages.{stage}", "--params",
                                           str(root / "params.yaml"), "--root", str(root)],
                                          root, subprocess_env))
                 for case, root, stage, data in jobs[i:i + width]]
        for case, root, data, proc in batch:
            out, err = proc.communicate(timeout=180)
            results[case] = (subprocess.CompletedProcess(proc.args, proc.returncode, out, err),
                             root, data)
    return results


@pytest.mark.parametrize(("table", "kind"), CASES, ids=[f"{t}-{c}" for t, c in CASES])
def test_corrupt_table_stops_next_stage(
        table: str, kind: str,
        outcomes: dict[tuple[str, str], tuple[subprocess.CompletedProcess[str], Path, bytes]],
) -> None:
    proc, root, corrupted = outcomes[(table, kind)]
    stage, outputs, producer = CONSUMER[table]
    bad = root / "data" / f"{table}.parquet"
    assert_clean_failure(proc)
    assert str(bad) in proc.stderr, proc.stderr
    assert "is not a readable parquet file" in proc.stderr
    assert f"delete it and rebuild it with `dvc repro {producer}`" in proc.stderr, proc.stderr
    assert bad.read_bytes() == corrupted, "the bad file must be left for the user to inspect"
    for out in outputs:
        assert not (root / out).exists(), f"{stage} wrote {out} despite a corrupt {table} table"
    assert not list((root / "data").glob(".*.tmp")), "no half-written table may be left"
