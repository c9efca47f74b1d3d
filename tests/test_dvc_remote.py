"""Sharing a study with `dvc push` / `dvc pull`, end to end against a local directory remote.

One clone runs a (scripted-model) study with `dvc repro`, commits it and pushes its outputs; a
fresh `git clone` pulls them and has everything, with no model call: `dvc status` clean, the
tables, the report, `selforg summary` naming the commit, and `dvc repro` running no stage.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from selforg.paths import Paths
from tests.conftest import scripted_params, write_params
from tests.repo_helpers import commit, copy_project, init_repo, selforg, sh

pytestmark = pytest.mark.slow

TABLES = ("tasks", "runs", "turns", "judgments")
REPORT = ("reports/report.md", "reports/report.html", "reports/comparisons.csv")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(the origin clone, a fresh clone with `dvc pull` done, the study's commit)."""
    base = tmp_path_factory.mktemp("remote")
    origin = init_repo(copy_project(base / "origin"))
    # the call cache inside the project (as params.yaml has it), so a clone starts without one
    write_params(origin / "params.yaml", scripted_params(Path(".selforg/cache")))
    sh(origin, "dvc", "remote", "add", "-d", "shared", str(base / "dvc-remote"))
    commit(origin, "the project")
    sh(origin, "dvc", "repro")
    study = commit(origin, "the study")
    sh(origin, "dvc", "push")
    clone = base / "clone"
    sh(base, "git", "clone", "-q", str(origin), str(clone))
    sh(clone, "dvc", "pull")
    return origin, clone, study


def test_fresh_clone_pulls_tables_and_report(shared: tuple[Path, Path, str]) -> None:
    origin, clone, _ = shared
    for name in TABLES:
        table = Paths(clone).table(name)
        assert digest(table) == digest(Paths(origin).table(name)), name
    for name in REPORT:
        assert digest(clone / name) == digest(origin / name), name
    figures = sorted(p.name for p in (origin / "reports" / "figures").glob("*.svg"))
    assert figures and sorted(p.name for p in (clone / "reports" / "figures").glob("*.svg")) \
        == figures


def test_pulled_clone_is_up_to_date_and_makes_no_model_call(
        shared: tuple[Path, Path, str]) -> None:
    _, clone, _ = shared
    assert "Data and pipelines are up to date." in sh(clone, "dvc", "status").stdout
    repro = sh(clone, "dvc", "repro")
    assert "Running stage" not in repro.stdout, repro.stdout
    # every model call goes through the call cache; the clone never opened one
    assert not (clone / ".selforg").exists()


def test_pulled_clone_summary_names_the_commit_and_the_report(
        shared: tuple[Path, Path, str]) -> None:
    _, clone, study = shared
    printed = selforg(clone, "summary").stdout
    assert f"numbers as committed in {study} " in printed
    assert f"report: {(clone / 'reports' / 'report.md').resolve()}" in printed
    assert "not built" not in printed


def test_clone_without_pull_says_how_to_get_the_report(
        shared: tuple[Path, Path, str], tmp_path: Path) -> None:
    origin, _, study = shared
    bare = tmp_path / "unpulled"
    sh(tmp_path, "git", "clone", "-q", str(origin), str(bare))
    printed = selforg(bare, "summary").stdout
    assert f"numbers as committed in {study} " in printed
    assert "report: not built in this working tree" in printed and "`dvc pull`" in printed
