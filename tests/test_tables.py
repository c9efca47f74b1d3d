"""Tables: schema-checked, atomic writes; missing or corrupt files give a clear DataError."""

from __future__ import annotations

from pathlib import Path

import pytest

from selforg.errors import DataError
from selforg.schema import TABLES, column_names
from selforg.tables import read_table, write_table

RUN = {"run_id": "r1", "task_id": "t1", "protocol": "single", "model": "m", "n_agents": 1,
       "replicate": 0, "assembly": "concat", "shock": None, "shock_removed": [],
       "shock_substituted": [], "shock_announcement": None, "final_answer": "ans", "n_active": 1,
       "n_abstained": 0, "hierarchy_depth": 1, "n_calls": 1, "prompt_tokens": 10,
       "completion_tokens": 5, "cost_usd": 0.0, "latency_s": 0.5, "status": "ok", "error": None}


def test_round_trip_keeps_types_and_lists(tmp_path: Path) -> None:
    path = tmp_path / "runs.parquet"
    write_table("runs", [RUN], path)
    frame = read_table("runs", path)
    assert list(frame.columns) == column_names("runs")
    assert frame.loc[0, "final_answer"] == "ans" and int(frame.loc[0, "n_agents"]) == 1
    turn = {c.name: None for c in TABLES["turns"]}
    turn.update(run_id="r1", agent=0, round=0, model="m", role_norm="", abstain=False,
                directed=False, removed=False,
                builds_on=[1, 2], contribution="x", prompt_tokens=1, completion_tokens=1,
                budget_tokens=10, cost_usd=0.0, latency_s=0.1, cached=False, parse_ok=True)
    write_table("turns", [turn], tmp_path / "turns.parquet")
    assert list(read_table("turns", tmp_path / "turns.parquet").loc[0, "builds_on"]) == [1, 2]


def test_empty_table_has_columns(tmp_path: Path) -> None:
    write_table("judgments", [], tmp_path / "j.parquet")
    assert list(read_table("judgments", tmp_path / "j.parquet").columns) == \
        column_names("judgments")


def test_wrong_row_keys_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="missing"):
        write_table("runs", [{"run_id": "x"}], tmp_path / "runs.parquet")


def test_missing_file_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="dvc repro run_protocol"):
        read_table("runs", tmp_path / "runs.parquet")


def test_truncated_parquet_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "runs.parquet"
    write_table("runs", [RUN], path)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(DataError) as exc:
        read_table("runs", path)
    assert str(path) in str(exc.value) and "rebuild" in str(exc.value)


def test_pandas_reads_every_table_of_a_study(tmp_path: Path) -> None:
    """Users read the tables with pandas (`pandas.read_parquet`, which needs pyarrow or
    fastparquet): every table of a scripted study reads, with the schema's columns and the
    same rows DuckDB reads."""
    import pandas as pd

    from selforg.paths import Paths
    from stages.generate_tasks import generate_tasks
    from stages.judge import judge
    from stages.run_protocol import run_protocol
    from tests.conftest import scripted_params, write_params

    params = write_params(tmp_path / "params.yaml", scripted_params(tmp_path / "cache"))
    generate_tasks(params, tmp_path)
    run_protocol(params, tmp_path)
    judge(params, tmp_path)
    for name in ("tasks", "runs", "turns", "judgments"):
        path = Paths(tmp_path).table(name)
        frame, checked = pd.read_parquet(path), read_table(name, path)
        assert list(frame.columns) == column_names(name), name
        assert len(frame) == len(checked) > 0, name
        key = column_names(name)[0]
        assert frame[key].tolist() == checked[key].tolist(), name
