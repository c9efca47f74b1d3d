"""`selforg run --dask`: batches on a two-worker Dask cluster give the single-process tables
and make exactly the single-process model calls (same cache keys)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from distributed import LocalCluster

from selforg.paths import Paths
from selforg.tables import read_table
from stages.generate_tasks import generate_tasks
from stages.judge import judge
from stages.run_protocol import run_protocol
from tests.conftest import REPO, scripted_params, write_params
from tests.prefect_helpers import prefect_env, prefect_server

pytestmark = pytest.mark.slow

# `shared` keeps memory within a cell: it checks that a batch holds a whole cell.
STUDY = {"models": ["fake"], "protocols": ["single", "sequential", "shared"], "n_agents": [3],
         "replicates": 2}
# Measured wall times, not answers: they differ between any two first runs.
MEASURED = ["latency_s", "cached"]


def _cache_keys(cache: Path) -> set[str]:
    with sqlite3.connect(cache / "calls.sqlite") as db:
        return {key for (key,) in db.execute("SELECT key FROM calls")}


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in MEASURED if c in frame.columns])


def test_dask_cluster_gives_the_single_process_tables(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    dask_root, single_root = tmp_path / "dask", tmp_path / "single"
    dask_params = write_params(tmp_path / "dask.yaml",
                               scripted_params(dask_root / "cache", study=STUDY))
    single_params = write_params(tmp_path / "single.yaml",
                                 scripted_params(single_root / "cache", study=STUDY))
    generate_tasks(single_params, single_root)
    run_protocol(single_params, single_root)
    judge(single_params, single_root)

    with prefect_server(tmp_path / "prefect") as api:
        # Workers inherit this process's environment: they must reach the same API.
        for name, value in prefect_env(tmp_path / "prefect", api).items():
            monkeypatch.setenv(name, value)
        with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                          dashboard_address=":0") as cluster:
            result = subprocess.run(
                [sys.executable, "-m", "selforg", "run", "--params", str(dask_params),
                 "--root", str(dask_root), "--dask", cluster.scheduler_address],
                cwd=REPO, env=prefect_env(tmp_path / "prefect", api), capture_output=True,
                text=True, timeout=900, check=False)
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
            # one Dask task per batch (cell), each finished once
            batches = cluster.scheduler.task_prefixes["run_batch_task"].state_counts
            assert batches["memory"] == 6 and batches["erred"] == 0, dict(batches)

    for table in ("runs", "turns", "judgments"):
        dask_table = read_table(table, Paths(dask_root).table(table))
        single_table = read_table(table, Paths(single_root).table(table))
        assert len(dask_table) > 0
        pd.testing.assert_frame_equal(_comparable(dask_table), _comparable(single_table))
    assert _cache_keys(dask_root / "cache") == _cache_keys(single_root / "cache")
    assert (dask_root / "reports" / "metrics.json").is_file()
