"""Validation receipts: a table file that passed its suite is not checked by GE again, unless a
byte of it, a rule or the GE version changed; references are checked every time; a file that
failed gets no receipt; and an empty table is passed without GE only because GE agrees.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from selforg import validation
from selforg.errors import DataError
from selforg.paths import Paths
from selforg.schema import TABLES, column_names
from selforg.tables import read_table, write_table
from selforg.validation import Check, Receipts, suite_id, validate, validate_inputs
from stages.generate_tasks import generate_tasks
from stages.judge import judge
from stages.run_protocol import run_protocol
from tests.conftest import REPO, scripted_params, write_params
from tests.test_validation import _runs, _tasks


@pytest.fixture
def suite_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tables GE validated, in order (GE still runs)."""
    seen: list[str] = []
    real = validation._run_suite

    def counting(name: str, frame: pd.DataFrame, expectations: list[Any]) -> list[Any]:
        seen.append(name)
        return real(name, frame, expectations)

    monkeypatch.setattr(validation, "_run_suite", counting)
    return seen


def _files(root: Path) -> tuple[Path, Path]:
    paths = Paths(root)
    tasks = _tasks()
    write_table("tasks", tasks, paths.tasks)
    write_table("runs", _runs(tasks), paths.runs)
    return paths.tasks, paths.runs


def _checks(tasks_file: Path, runs_file: Path) -> list[Check]:
    tasks = read_table("tasks", tasks_file)
    return [Check("tasks", tasks, path=tasks_file),
            Check("runs", read_table("runs", runs_file), {"tasks": tasks}, runs_file)]


def test_a_checked_file_is_not_checked_again(tmp_path: Path, suite_runs: list[str]) -> None:
    tasks_file, runs_file = _files(tmp_path)
    receipts = Receipts(tmp_path / "cache")
    validate_inputs(_checks(tasks_file, runs_file), apart=False, receipts=receipts)
    assert suite_runs == ["tasks", "runs"]
    assert len(list(receipts.directory.iterdir())) == 2
    validate_inputs(_checks(tasks_file, runs_file), apart=True, receipts=receipts)
    assert suite_runs == ["tasks", "runs"], "no child, no GE: both files have receipts"


def test_a_changed_byte_a_changed_rule_or_no_receipts_mean_checking_again(
        tmp_path: Path, suite_runs: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    tasks_file, runs_file = _files(tmp_path)
    receipts = Receipts(tmp_path / "cache")
    validate_inputs(_checks(tasks_file, runs_file), apart=False, receipts=receipts)
    validate_inputs(_checks(tasks_file, runs_file), apart=False)
    assert suite_runs == ["tasks", "runs"] * 2
    tasks = _tasks()
    tasks[0]["prompt"] += " (edited)"
    write_table("tasks", tasks, tasks_file)
    validate_inputs(_checks(tasks_file, runs_file), apart=False, receipts=receipts)
    assert suite_runs[4:] == ["tasks"]
    before = suite_id("runs")
    rules = validation._rules
    monkeypatch.setattr(validation, "_rules", lambda name: [*rules(name)[:-1]])
    assert suite_id("runs") != before
    validate_inputs(_checks(tasks_file, runs_file), apart=False, receipts=receipts)
    assert suite_runs[5:] == ["tasks", "runs"]


def test_references_are_checked_even_with_a_receipt(tmp_path: Path,
                                                    suite_runs: list[str]) -> None:
    tasks_file, runs_file = _files(tmp_path)
    receipts = Receipts(tmp_path / "cache")
    validate_inputs(_checks(tasks_file, runs_file), apart=False, receipts=receipts)
    write_table("tasks", _tasks()[1:], tasks_file)  # the ok run's task is gone
    receipts.record("tasks", tasks_file)
    with pytest.raises(DataError, match="referential integrity"):
        validate_inputs(_checks(tasks_file, runs_file), apart=False, receipts=receipts)
    assert suite_runs == ["tasks", "runs"]


def test_a_file_that_fails_gets_no_receipt(tmp_path: Path) -> None:
    paths = Paths(tmp_path)
    tasks = _tasks()
    runs = _runs(tasks)
    runs[0]["status"] = "done"
    write_table("tasks", tasks, paths.tasks)
    write_table("runs", runs, paths.runs)
    receipts = Receipts(tmp_path / "cache")
    for apart in (False, True):
        with pytest.raises(DataError, match="status='done'"):
            validate_inputs(_checks(paths.tasks, paths.runs), apart=apart, receipts=receipts)
    assert not any(p.name.startswith("runs-") for p in receipts.directory.glob("*"))


@pytest.mark.parametrize("name", sorted(TABLES))
def test_ge_passes_an_empty_table_as_the_shortcut_does(name: str) -> None:
    empty = pd.DataFrame(columns=column_names(name))
    assert validation._suite_problems(name, empty) == []
    assert validation._run_suite(name, validation._hashable(name, empty),
                                 validation._expectations(name)) == []


def test_an_empty_table_with_other_columns_still_fails() -> None:
    with pytest.raises(DataError, match="columns are \\['task_id'\\]"):
        validate("tasks", pd.DataFrame(columns=["task_id"]))


AGGREGATE = """
import sys
from pathlib import Path
from stages.aggregate import aggregate
aggregate(Path(sys.argv[1]), Path(sys.argv[2]))
print("great_expectations imported:", "great_expectations" in sys.modules)
"""


def test_a_stage_whose_inputs_all_have_receipts_does_not_import_ge(tmp_path: Path) -> None:
    """The stages leave receipts for what they write, so aggregate (which reads four tables and
    the empty human ratings) checks only references."""
    params = write_params(tmp_path / "params.yaml", scripted_params(tmp_path / "cache"))
    generate_tasks(params, tmp_path)
    run_protocol(params, tmp_path)
    judge(params, tmp_path)
    write_table("human_ratings", [], Paths(tmp_path).human_ratings)
    result = subprocess.run([sys.executable, "-c", AGGREGATE, str(params), str(tmp_path)],
                            cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "great_expectations imported: False" in result.stdout
    receipted = {p.name.split("-")[0] for p in (tmp_path / "cache" / "validated").iterdir()}
    # the ratings' receipt is aggregate's own: it checked the file (empty, so without GE)
    assert receipted == {"tasks", "runs", "turns", "judgments", "human_ratings"}
