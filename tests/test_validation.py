"""Validation at stage boundaries: valid tables pass; each kind of bad value is a DataError that
names the table, the failed expectation and the offending value; a stage stops before spending.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from selforg.entry import report_errors
from selforg.errors import DataError
from selforg.paths import Paths
from selforg.schema import column_names
from selforg.tables import read_table, write_table
from selforg.tasks import generate_tasks
from selforg.validation import Check, validate, validate_inputs
from stages.generate_tasks import generate_tasks as generate_tasks_stage
from stages.judge import judge
from tests.conftest import scripted_params, write_params

Rows = list[dict[str, Any]]


def _tasks() -> Rows:
    return [t.as_row() for t in generate_tasks(0, 2, ["L1", "L2"], verifiable_share=0.5)]


def _runs(tasks: Rows) -> Rows:
    base = {"protocol": "single", "model": "m", "n_agents": 2, "replicate": 0,
            "assembly": "concat", "shock": None, "shock_removed": [], "shock_substituted": [],
            "shock_announcement": None, "final_answer": "answer", "n_active": 2, "n_abstained": 0,
            "hierarchy_depth": 1, "n_calls": 3, "prompt_tokens": 100, "completion_tokens": 20,
            "cost_usd": 0.01, "latency_s": 1.5, "status": "ok", "error": None}
    ok = {**base, "run_id": "r-ok", "task_id": tasks[0]["task_id"]}
    failed = {**base, "run_id": "r-failed", "task_id": tasks[1]["task_id"],
              "final_answer": None, "status": "failed", "error": "provider error"}
    return [ok, failed]


def _turns() -> Rows:
    base = {"run_id": "r-ok", "model": "m", "role": "analyst", "role_norm": "analyst",
            "abstain": False, "directed": False, "removed": False, "builds_on": [],
            "follows": None, "contribution": "text",
            "prompt_tokens": 50, "completion_tokens": 10, "budget_tokens": 900,
            "cost_usd": 0.0, "latency_s": 0.1, "cached": False, "parse_ok": True, "error": None,
            "structured_output": "json_schema"}
    return [{**base, "agent": 0, "round": 0}, {**base, "agent": 1, "round": 0, "builds_on": [0]},
            {**base, "agent": -1, "round": 1, "role": None, "structured_output": None}]


def _judgments() -> Rows:
    base = {"run_id": "r-ok", "judge_model": "j", "accuracy": 4, "completeness": 3,
            "coherence": 2, "actionability": 1, "mission": 1, "q": 0.625, "m": 0.25,
            "rationale": "fine", "verified_correct": True,
            "verdict": "correct: states $1.00 (marked answer)", "prompt_tokens": 300,
            "completion_tokens": 30, "cost_usd": 0.0, "cached": False, "status": "ok",
            "error": None, "structured_output": "prompt"}
    failed = {**base, "sample": 1, "accuracy": None, "completeness": None, "coherence": None,
              "actionability": None, "mission": None, "q": None, "m": None, "rationale": None,
              "verified_correct": None, "verdict": "undecidable: states no order that can be "
              "read", "status": "failed", "error": "unparseable"}
    return [{**base, "sample": 0}, failed]


@pytest.fixture(scope="module")
def tables() -> dict[str, Rows]:
    tasks = _tasks()
    return {"tasks": tasks, "runs": _runs(tasks), "turns": _turns(), "judgments": _judgments()}


def _refs(tables: dict[str, Rows]) -> dict[str, Rows]:
    return {"tasks": tables["tasks"], "runs": tables["runs"]}


def test_valid_rows_and_read_back_frames_pass(tables: dict[str, Rows], tmp_path: Path) -> None:
    assert any(t["verifiable"] for t in tables["tasks"])  # the reference rule is exercised
    frames = {}
    for name, rows in tables.items():
        validate(name, rows, **_refs(tables))
        write_table(name, rows, tmp_path / f"{name}.parquet")
        frames[name] = read_table(name, tmp_path / f"{name}.parquet")
    for name, frame in frames.items():  # the dtypes a reading stage sees (nullable ints, ...)
        validate(name, frame, tasks=frames["tasks"], runs=frames["runs"])


def test_empty_tables_pass() -> None:
    validate("turns", [], runs=[])
    validate("judgments", pd.DataFrame(columns=column_names("judgments")))


# Per table: (bad rows as overrides of one valid row, expectation named, offender shown). All
# bad rows of a table go into one validation (GE's cost is per run, not per row); each carries
# its own key and value, so each expectation must report its own offender.
VIOLATIONS: dict[str, list[tuple[list[dict[str, Any]], str, str]]] = {
    "tasks": [
        ([{"task_id": "t-level", "level": "L9"}], "expect_column_values_to_be_in_set",
         "level='L9'"),
        ([{"task_id": "t-prompt", "prompt": "  "}], "expect_column_values_to_match_regex",
         "prompt='  '"),
        ([{"task_id": "t-title", "title": None}], "(title not null)", "title=null"),
        ([{"task_id": "t-dup"}, {"task_id": "t-dup"}], "expect_column_values_to_be_unique",
         "task_id='t-dup'"),
        ([{"task_id": "t-ref", "reference": None}], "(verifiable tasks have a reference)",
         "(task_id='t-ref'): reference=null"),
    ],
    "runs": [
        ([{"run_id": "r-status", "status": "weird"}], "expect_column_values_to_be_in_set",
         "status='weird'"),
        ([{"run_id": "r-noerror", "status": "failed"}], "(failed runs have an error)",
         "(run_id='r-noerror'): error=null"),
        ([{"run_id": "r-agents", "n_agents": 0}], "expect_column_values_to_be_between",
         "n_agents=0"),
        ([{"run_id": "r-tokens", "completion_tokens": -1}], "(completion_tokens >= 0)",
         "completion_tokens=-1"),
        ([{"run_id": "r-latency", "latency_s": -2.0}], "(latency_s >= 0)", "latency_s=-2.0"),
        ([{"run_id": "r-dup"}, {"run_id": "r-dup"}], "expect_column_values_to_be_unique",
         "run_id='r-dup'"),
        ([{"run_id": "r-task", "task_id": "L9-000-dead"}], "every task_id exists in tasks",
         "task_id='L9-000-dead'"),
    ],
    "turns": [
        ([{"agent": -2}], "(agent >= -1)", "agent=-2"),
        ([{"round": -1}], "(round >= 0)", "round=-1"),
        ([{"prompt_tokens": -5}], "(prompt_tokens >= 0)", "prompt_tokens=-5"),
        ([{"builds_on": None}], "(builds_on not null)", "builds_on=null"),
        ([{"structured_output": "grammar"}], "structured_output in", "structured_output='grammar'"),
        ([{"run_id": "ghost"}], "every run_id exists in runs", "run_id='ghost'"),
    ],
    "judgments": [
        ([{"sample": 10, "accuracy": 5}], "(accuracy in 1..4 or null)", "accuracy=5"),
        ([{"sample": 11, "q": 0.1}], "(q in [0.25, 1] or null)", "q=0.1"),
        ([{"sample": 12, "m": 1.5}], "(m in [0.25, 1] or null)", "m=1.5"),
        ([{"sample": 13, "status": "maybe"}], "expect_column_values_to_be_in_set",
         "status='maybe'"),
        ([{"sample": 14, "coherence": None}], "(ok judgments have coherence)",
         "coherence=null"),
        ([{"sample": 15, "structured_output": "xml"}], "structured_output in",
         "structured_output='xml'"),
        ([{"sample": 15, "verdict": "right!"}], "(verdict is 'correct: ...', 'wrong: ...' or "
         "'undecidable: ...')", "verdict='right!'"),
        ([{"run_id": "ghost"}], "every run_id exists in runs", "run_id='ghost'"),
    ],
}


@pytest.mark.parametrize("name", list(VIOLATIONS))
def test_each_violation_names_table_expectation_and_value(tables: dict[str, Rows],
                                                          name: str) -> None:
    valid = tables[name]
    template = next(r for r in valid if r.get("verifiable", True) and r.get("status") != "failed")
    bad = [{**template, **o} for overrides, _, _ in VIOLATIONS[name] for o in overrides]
    with pytest.raises(DataError) as info:
        validate(name, [*valid, *bad], **_refs(tables))
    message = str(info.value)
    assert len(info.value.problems) == len(VIOLATIONS[name]), message
    for _, expectation, offender in VIOLATIONS[name]:
        line = next((p for p, _ in info.value.problems if offender in p), None)
        assert line is not None and line.startswith(f"{name} table fails"), (offender, message)
        assert expectation in line, (expectation, line)
    assert "fix:" in message


def test_missing_column_is_reported_once(tables: dict[str, Rows]) -> None:
    frame = pd.DataFrame(tables["runs"]).drop(columns=["status"])
    with pytest.raises(DataError) as info:
        validate("runs", frame)
    assert len(info.value.problems) == 1
    assert "expect_table_columns_to_match_ordered_list" in str(info.value)


def test_at_most_five_offending_rows_shown(tables: dict[str, Rows]) -> None:
    rows = [{**tables["turns"][0], "agent": -9, "round": i} for i in range(7)]
    with pytest.raises(DataError) as info:
        validate("turns", rows)
    message = str(info.value)
    assert "7 of 7 rows" in message and "and 2 more" in message
    assert message.count("agent=-9") == 5


def test_references_are_checked_only_when_given(tables: dict[str, Rows]) -> None:
    validate("turns", [{**tables["turns"][0], "run_id": "ghost"}])


def test_inputs_checked_apart_fail_as_they_fail_in_process(tables: dict[str, Rows]) -> None:
    """The child process that checks a model stage's inputs (validate_inputs with apart) gives
    the same DataError, problems and fixes, and stops at the same first bad table."""
    tasks = pd.DataFrame(tables["tasks"])
    bad = pd.DataFrame([{**tables["runs"][0], "status": "done"}, tables["runs"][1]])
    checks = [Check("tasks", tasks), Check("runs", bad, {"tasks": tasks}),
              Check("runs", bad.assign(task_id="ghost"), {"tasks": tasks})]
    errors = []
    for apart in (False, True):
        with pytest.raises(DataError) as caught:
            validate_inputs(checks, apart=apart)
        errors.append(caught.value.problems)
    assert errors[0] == errors[1]
    assert any("status='done'" in problem for problem, _ in errors[1])
    assert not any("ghost" in problem for problem, _ in errors[1])  # the third check: not run
    assert "dvc repro run_protocol" in errors[1][-1][1]
    validate_inputs(checks[:1], apart=True)


def test_judge_stage_stops_on_bad_runs_before_any_model_call(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    params = write_params(tmp_path / "params.yaml", scripted_params(tmp_path / "cache"))
    paths = Paths(tmp_path)
    generate_tasks_stage(params, tmp_path)
    tasks = read_table("tasks", paths.tasks).to_dict("records")
    runs = _runs(tasks)
    runs[0]["status"] = "done"
    write_table("runs", runs, paths.runs)

    def no_model_calls(*args: object, **kwargs: object) -> None:
        raise AssertionError("the judge panel ran on invalid runs")

    monkeypatch.setattr("stages.judge.judge_all", no_model_calls)
    monkeypatch.setattr("stages.judge.Gateway", no_model_calls)
    with pytest.raises(DataError, match=r"runs table fails .*status='done'"):
        judge(params, tmp_path)
    assert report_errors(lambda: judge(params, tmp_path)) == 2
    assert not paths.judgments.exists()
