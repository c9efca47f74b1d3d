"""`selforg diff REV` on a temporary git repository with two commits of metrics.json."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from selforg.cli import main
from selforg.diff import ABSENT, diff_metrics, diff_report, verdict
from selforg.errors import SelforgError
from selforg.reporting.keys import ci_keys, is_bound, n_key

FIRST = {"q.a": 0.5, "q_ci_low.a": 0.45, "q_ci_high.a": 0.55, "q_n.a": 20,
         "q.b": 0.6, "q_ci_low.b": 0.5, "q_ci_high.b": 0.7, "runs.total": 40, "old.key": 1}
SECOND = {"q.a": 0.7, "q_ci_low.a": 0.65, "q_ci_high.a": 0.75, "q_n.a": 20,
          "q.b": 0.62, "q_ci_low.b": 0.52, "q_ci_high.b": 0.72, "runs.total": 40,
          "judge.icc2k": None}
THIRD = {**SECOND, "runs.total": 41}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t",
                           *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def commit_metrics(repo: Path, metrics: dict[str, Any], message: str) -> None:
    path = repo / "reports" / "metrics.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(metrics, indent=2, sort_keys=True))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """readme (no metrics) -> first metrics -> second metrics; working tree holds THIRD."""
    git(tmp_path, "init", "-q")
    (tmp_path / "README").write_text("study\n")
    git(tmp_path, "add", "README")
    git(tmp_path, "commit", "-q", "-m", "start")
    commit_metrics(tmp_path, FIRST, "first")
    commit_metrics(tmp_path, SECOND, "second")
    (tmp_path / "reports" / "metrics.json").write_text(json.dumps(THIRD))
    return tmp_path


def test_key_grammar() -> None:
    assert ci_keys("q.sequential") == ("q_ci_low.sequential", "q_ci_high.sequential")
    assert ci_keys("rel.a_vs_b@m/n4") == ("rel_ci_low.a_vs_b@m/n4", "rel_ci_high.a_vs_b@m/n4")
    assert n_key("q.a@x.y/n8") == "q_n.a@x.y/n8"
    assert is_bound("q_ci_low.a") and not is_bound("q.a") and not is_bound("q_n.a")


def test_deltas_fold_intervals_and_mark_added_and_removed() -> None:
    deltas = {d.key: d for d in diff_metrics(FIRST, SECOND)}
    assert "q_ci_low.a" not in deltas
    assert deltas["q.a"].difference == pytest.approx(0.2)
    assert deltas["q.a"].verdict == "95% CIs disjoint: significant change"
    assert deltas["q.b"].verdict == "95% CIs overlap: no significant change shown"
    assert deltas["old.key"].new == ABSENT and deltas["judge.icc2k"].old == ABSENT
    assert not deltas["runs.total"].changed and deltas["runs.total"].verdict == ""
    assert verdict(FIRST, {"q.a": 0.7}, "q.a") == ""


def test_diff_against_head_and_an_older_revision(repo: Path) -> None:
    against_head = diff_report(repo, "HEAD")
    assert "1 of" in against_head.splitlines()[0]
    assert "runs.total" in against_head and "+1" in against_head
    assert "q.a" not in against_head  # unchanged since HEAD
    older = diff_report(repo, "HEAD~1").splitlines()
    line = next(x for x in older if x.startswith("q.a "))
    assert "0.5" in line and "0.7" in line and "+0.2" in line and "significant change" in line
    assert any(x.startswith("old.key ") and "absent" in x for x in older)
    assert any(x.startswith("judge.icc2k ") and "null" in x for x in older)
    full = diff_report(repo, "HEAD", show_all=True)
    assert "q.a" in full and "q_ci_low" not in full


def test_missing_revision_or_file_is_a_clear_error(repo: Path, tmp_path_factory:
                                                   pytest.TempPathFactory) -> None:
    with pytest.raises(SelforgError, match="git revision 'nope' does not exist"):
        diff_report(repo, "nope")
    with pytest.raises(SelforgError, match="does not exist at revision 'HEAD~2'"):
        diff_report(repo, "HEAD~2")
    elsewhere = tmp_path_factory.mktemp("plain")
    (elsewhere / "reports").mkdir()
    (elsewhere / "reports" / "metrics.json").write_text("{}")
    with pytest.raises(SelforgError, match="not inside a git repository"):
        diff_report(elsewhere, "HEAD")
    (repo / "reports" / "metrics.json").unlink()
    with pytest.raises(SelforgError, match=r"metrics\.json does not exist"):
        diff_report(repo, "HEAD")


def test_cli(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["diff", "HEAD~1", "--root", str(repo)])
    assert done.value.code == 0
    assert "significant change" in capsys.readouterr().out
    with pytest.raises(SystemExit) as done:
        main(["diff", "no-such-rev", "--root", str(repo)])
    assert done.value.code == 2
    assert "error: git revision 'no-such-rev' does not exist" in capsys.readouterr().err
