"""`selforg plan` prints the design adequacy of each confirmatory comparison, saying where its
SD came from: the previous run's metrics.json, its data/ tables, or the reference study."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from selforg.adequacy import DATA_SOURCE, METRICS_SOURCE, planned_adequacy
from selforg.cli import main
from selforg.config import StudyConfig
from tests.analysis.planted import Cell, build, task_offsets


def params(per_level: int = 6) -> dict[str, Any]:
    """A study that plans the paper's +14% setting: sequential and coordinator at N = 16, L3."""
    return {
        "tasks": {"per_level": per_level, "levels": ["L3"]},
        "models": [{"name": "claude", "model": "scripted/claude-sonnet-4-6"},
                   {"name": "judge", "model": "scripted/instant-judge"}],
        "study": {"models": ["claude"], "protocols": ["coordinator", "sequential"],
                  "n_agents": [16]},
        "judges": {"models": ["judge"]},
        "budget": {"max_usd": 1.0, "max_calls": 10_000},
    }


def plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params()))
    with pytest.raises(SystemExit) as done:
        main(["plan", "--params", str(path), "--root", str(tmp_path)])
    assert done.value.code == 0
    return capsys.readouterr().out


def test_without_a_previous_run_the_reference_spread_is_used(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    printed = plan(tmp_path, capsys)
    block = printed[printed.index("design adequacy"):]
    assert "Sequential beats coordinator by about 14%" in block
    assert "setting: claude; N = 16; L3, 6 tasks: smallest detectable effect" in block
    assert "to detect +14% of coordinator's Q 0.767 (0.107): 35 tasks in that setting" in block
    assert "SD 0.168 from reference: pilot SD 0.119" in block
    assert "setting not planned (protocol shared not in this study)" in block


def test_a_previous_runs_metrics_json_gives_the_sd(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "metrics.json").write_text(json.dumps({
        "power_sd.sequential_vs_coordinator": 0.05,
        "power_base.sequential_vs_coordinator": 0.6}))
    printed = plan(tmp_path, capsys)
    assert f"SD 0.050 from {METRICS_SOURCE}" in printed
    assert "SD 0.238 from reference" in printed  # the claims that run did not measure


def test_a_previous_runs_tables_give_the_sd_without_metrics(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    names = [f"t{i}" for i in range(8)]
    u = task_offsets(rng, 8, 0.1)
    build([Cell("claude", "coordinator", 16, names, 0.5 + u),
           Cell("claude", "sequential", 16, names, 0.6 + u)],
          {t: "L3" for t in names}, rng).write(tmp_path / "data")
    rows = planned_adequacy(StudyConfig.model_validate(params()), tmp_path)
    first = rows[0]
    assert first.claim.key == "sequential_vs_coordinator" and first.source == DATA_SOURCE
    assert 0 < first.inputs.sd < 0.3 and first.tasks == 6
    assert first.detectable.value is not None and first.needed.value is not None
