"""A study whose calls failed is not finished, for DVC too.

Why (issue 13): with its only model unreachable, every run failed and yet `dvc repro` exited 0
and recorded the stage as done, so the next `dvc repro` said "up to date" and nothing ever
retried the calls. Now the stage writes its tables (to inspect), then exits non-zero with one
message naming the model, its URL, the count and the way out; DVC leaves the stage unrecorded.
`selforg try` on the same model exits non-zero too.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from selforg.tables import read_table
from tests.conftest import REPO, scripted_params

BIN = Path(sys.executable).parent


def dead_api_base() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def sh(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False,
                          timeout=300)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory,
            subprocess_env: dict[str, str]) -> tuple[Path, dict[str, str], str]:
    root = tmp_path_factory.mktemp("failed-study")
    for name in ("selforg", "stages", "flows"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "dvc.yaml", root / "dvc.yaml")
    url = dead_api_base()
    params = scripted_params(Path(".selforg/cache"))
    params["models"][0] = {"name": "down", "model": "openai/my-model", "api_base": url,
                           "timeout_s": 5.0, "price": {"input_per_mtok": 0,
                                                       "output_per_mtok": 0}}
    params["study"]["models"] = ["down"]
    params["study"]["n_agents"] = [2]
    params["retry"] = {"attempts": 2, "base_delay_s": 0.0, "max_delay_s": 0.0}
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    env = {**subprocess_env, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "DVC_NO_ANALYTICS": "1"}
    env.pop("PYTHONPATH")  # the copy is the project: its own selforg/ and stages/
    assert sh(root, env, "dvc", "init", "--no-scm", "-q").returncode == 0
    sh(root, env, "dvc", "config", "core.analytics", "false")
    return root, env, url


def test_dvc_repro_fails_and_the_stage_stays_unfinished(
        project: tuple[Path, dict[str, str], str]) -> None:
    root, env, url = project
    result = sh(root, env, "dvc", "repro")
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert "error: run_protocol: 4 of 4 runs failed after their retries" in out, out
    assert f"cannot connect to model 'down' at {url}" in out
    assert "`dvc repro` again" in out and "study.max_failed_share" in out
    assert "Traceback" not in out
    # the tables were written, so the failures can be inspected
    runs = read_table("runs", root / "data" / "runs.parquet")
    turns = read_table("turns", root / "data" / "turns.parquet")
    assert len(runs) == 4 and (runs["status"] == "failed").all()
    assert turns["error"].notna().all()
    # DVC did not record run_protocol (nor run what depends on it)
    lock = yaml.safe_load((root / "dvc.lock").read_text())
    assert set(lock["stages"]) == {"generate_tasks"}
    status = sh(root, env, "dvc", "status")
    assert "run_protocol" in status.stdout and "up to date" not in status.stdout
    assert not (root / "data" / "judgments.parquet").exists()


def test_selforg_try_exits_non_zero_when_its_run_failed(
        project: tuple[Path, dict[str, str], str]) -> None:
    root, env, url = project
    result = sh(root, env, sys.executable, "-m", "selforg", "try", "--protocol", "single",
                "--n", "1")
    assert result.returncode == 4, result.stdout + result.stderr
    assert "=== final answer (failed" in result.stdout
    assert "error: the trial run failed" in result.stderr
    assert f"cannot connect to model 'down' at {url}" in result.stderr
    assert "selforg check" in result.stderr
