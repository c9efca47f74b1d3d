"""`selforg run`: the Prefect `study` flow runs the four stages in ephemeral mode."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import scripted_params, write_params

pytestmark = pytest.mark.slow


def test_selforg_run_executes_the_study_flow(tmp_path: Path) -> None:
    params = write_params(tmp_path / "params.yaml", scripted_params(tmp_path / "cache"))
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}
    env.pop("PREFECT_API_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "selforg", "run", "--params", str(params), "--root",
         str(tmp_path)], env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    metrics = json.loads((tmp_path / "reports" / "metrics.json").read_text())
    assert metrics["runs.total"] == 4
    assert "Finished in state Completed" in result.stdout + result.stderr
    assert "protocol" in result.stdout and "report:" in result.stdout
