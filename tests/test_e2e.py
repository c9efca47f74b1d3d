"""End to end on the embedded model (SmolLM2-135M through llama.cpp, via litellm), no mocks.

A tiny study runs through `dvc repro` in a scratch copy of the project: real tables and a real
report come out, a second `dvc repro` does nothing, a second run of a stage makes zero model
calls, a judge-only param change re-runs only judge and aggregate, and a run_protocol killed
with SIGKILL resumes without repeating finished calls.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from selforg.tables import read_table
from tests.conftest import REPO

pytestmark = pytest.mark.slow

TINY = {
    "seed": 1,
    "tasks": {"per_level": 1, "levels": ["L1", "L3"]},
    "models": [{"name": "smollm2", "model": "local/smollm2-135m", "max_concurrency": 1,
                "open_weights": True}],
    "study": {"models": ["smollm2"], "protocols": ["single", "sequential"], "n_agents": [2],
              "agent_max_tokens": 64, "assembly_max_tokens": 96},
    "judges": {"models": ["smollm2"], "samples": 1, "max_tokens": 160,
               "allow_self_judging": True},
    "budget": {"max_usd": 1.0, "max_calls": 1000},
    "cache": {"dir": ".selforg/cache"},
}
BIN = Path(sys.executable).parent


def sh(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "DVC_NO_ANALYTICS": "1"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("study")
    for name in ("selforg", "stages", "flows"):
        shutil.copytree(REPO / name, root / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "dvc.yaml", root / "dvc.yaml")
    (root / "data").mkdir()
    shutil.copy(REPO / "data" / "human_ratings.parquet", root / "data")  # in git, like dvc.yaml
    (root / "params.yaml").write_text(yaml.safe_dump(TINY, sort_keys=False))
    assert sh(root, "dvc", "init", "--no-scm", "-q").returncode == 0
    sh(root, "dvc", "config", "core.analytics", "false")
    result = sh(root, "dvc", "repro")
    assert result.returncode == 0, result.stdout + result.stderr
    return root


def test_tables_hold_real_model_output(project: Path) -> None:
    data = project / "data"
    tasks = read_table("tasks", data / "tasks.parquet")
    runs = read_table("runs", data / "runs.parquet")
    turns = read_table("turns", data / "turns.parquet")
    judgments = read_table("judgments", data / "judgments.parquet")
    assert set(tasks["level"]) == {"L1", "L3"}
    assert len(runs) == 4 and set(runs["protocol"]) == {"single", "sequential"}
    assert (turns["prompt_tokens"] > 0).all() and (turns["completion_tokens"] > 0).all()
    assert turns["contribution"].str.len().sum() > 100
    ok = runs[runs["status"] == "ok"]
    assert ok["final_answer"].notna().all() and ok["final_answer"].str.len().sum() > 0
    assert len(judgments) == (runs["status"] == "ok").sum()
    metrics = json.loads((project / "reports" / "metrics.json").read_text())
    assert metrics["runs.total"] == 4
    report = (project / "reports" / "report.md").read_text()
    assert "self-judging" in report


def test_second_repro_does_nothing(project: Path) -> None:
    result = sh(project, "dvc", "repro")
    assert result.returncode == 0
    assert "up to date" in result.stdout


def test_rerun_of_a_stage_makes_zero_model_calls(project: Path) -> None:
    before = read_table("turns", project / "data" / "turns.parquet")
    result = sh(project, sys.executable, "-m", "stages.run_protocol")
    assert result.returncode == 0, result.stderr
    assert "model calls 0," in result.stdout
    after = read_table("turns", project / "data" / "turns.parquet")
    assert after["cached"].all()
    same = [c for c in before.columns if c != "cached"]
    assert before[same].equals(after[same])


def test_judge_param_change_reruns_only_judge_and_aggregate(project: Path) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["judges"]["samples"] = 2
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    result = sh(project, "dvc", "repro")
    assert result.returncode == 0, result.stdout + result.stderr
    ran = [line for line in result.stdout.splitlines() if line.startswith("Running stage")]
    assert [line.split("'")[1] for line in ran] == ["judge", "aggregate"]


def _cached_calls(project: Path) -> int:
    db = project / ".selforg" / "cache" / "calls.sqlite"
    if not db.exists():
        return 0
    with sqlite3.connect(db) as con:
        return int(con.execute("SELECT COUNT(*) FROM calls").fetchone()[0])


def test_killed_run_resumes_without_repeating_calls(project: Path) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["study"]["n_agents"] = [3]
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    start = _cached_calls(project)
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
    proc = subprocess.Popen([sys.executable, "-m", "stages.run_protocol"], cwd=project, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + 300
    while _cached_calls(project) < start + 3 and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before_kill = _cached_calls(project) - start
    assert done_before_kill >= 3
    result = sh(project, sys.executable, "-m", "stages.run_protocol")
    assert result.returncode == 0, result.stderr
    made = int(result.stdout.split("model calls ")[1].split(",")[0])
    runs = read_table("runs", project / "data" / "runs.parquet")
    seq = runs[runs["protocol"] == "sequential"]
    expected_new = len(seq) * (3 + 1)
    assert made == expected_new - done_before_kill
    assert _cached_calls(project) - start == expected_new
