"""`selforg summary` as a fresh clone shows it: which commit the numbers are from, and that the
report is not built yet with the two ways to get it; the headline rounded as the report is."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from selforg.cli import main
from selforg.summary import headline_table
from tests.conftest import REPO
from tests.repo_helpers import commit, sh

METRICS = json.loads((REPO / "reports" / "metrics.json").read_text())


def summary(root: Path, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as done:
        main(["summary", "--root", str(root)])
    assert done.value.code == 0
    return capsys.readouterr().out


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A git repository holding only a committed reports/metrics.json, as a fresh clone of the
    project has it (tables and report are DVC outputs, not in git)."""
    root = tmp_path / "clone"
    (root / "reports").mkdir(parents=True)
    (root / "reports" / "metrics.json").write_text(json.dumps(METRICS, indent=2))
    sh(root, "git", "init", "-q", "-b", "main")
    commit(root, "the committed study")
    return root


def test_fresh_clone_names_the_commit_and_how_to_get_the_report(
        clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    printed = summary(clone, capsys)
    head = sh(clone, "git", "log", "-1", "--format=%h %cs").stdout.split()
    assert f"numbers as committed in {head[0]} ({head[1]}: the committed study)" in printed
    assert "report: not built in this working tree" in printed
    assert "`dvc pull`" in printed and "`dvc repro`" in printed
    for protocol in {k.split(".")[1] for k in METRICS if k.startswith("q_n.") and "@" not in k}:
        assert re.search(rf"^{protocol}\s+\d\.\d{{3}} \[", printed, re.MULTILINE)


def test_uncommitted_numbers_say_so_and_a_built_report_is_named(
        clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    changed = {**METRICS, "runs.total": METRICS["runs.total"] + 1}
    (clone / "reports" / "metrics.json").write_text(json.dumps(changed))
    (clone / "reports" / "report.md").write_text("# report\n")
    printed = summary(clone, capsys)
    assert "numbers from this working tree" in printed and "committed in" not in printed
    assert f"report: {(clone / 'reports' / 'report.md').resolve()}" in printed
    assert "not built" not in printed


def test_outside_git_the_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "metrics.json").write_text(json.dumps(METRICS))
    printed = summary(tmp_path, capsys)
    assert "(not in a git repository)" in printed


def test_headline_table_rounds_as_the_report() -> None:
    metrics = {"q.sequential": 0.2073554921377255, "q_n.sequential": 8,
               "q_ci_low.sequential": 0.15049999, "q_ci_high.sequential": 0.26421,
               "tokens_per_run.sequential": 2614.5, "latency_s.sequential": 27.3719,
               "error_rate.sequential": 0.125, "balance.sequential": 0.28812,
               "q.single": 0.5, "q_n.single": 1, "q_ci_low.single": None,
               "q_ci_high.single": None}
    assert headline_table(metrics) == [
        {"protocol": "sequential", "Q [95% CI]": "0.207 [0.150, 0.264]", "n tasks": 8,
         "tokens/run": "2,614", "latency s": "27.37", "error rate": "12.5%",
         "balance": "0.288"},
        {"protocol": "single", "Q [95% CI]": "0.500", "n tasks": 1, "tokens/run": "n/a",
         "latency s": "n/a", "error rate": "n/a", "balance": "n/a"},
    ]
