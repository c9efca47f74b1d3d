"""The run frame: DuckDB joins of runs, tasks, the judge panel and the per-run turn metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from selforg.analysis.aggregate import TURN_COLUMNS, run_frame, study_data, turn_metrics
from selforg.analysis.metrics import abstention_rates, hierarchy_depths, role_metrics
from tests.analysis.test_aggregate_synthetic import Tables, synthetic_tables


@pytest.fixture(scope="module")
def tables() -> Tables:
    return synthetic_tables(per_level=2, ns=(4,))


def test_one_row_per_run_with_task_level_and_order(tables: Tables) -> None:
    frame = run_frame(tables.tasks, tables.runs, tables.judgments, tables.turns)
    assert len(frame) == len(tables.runs)
    assert list(frame["run_id"]) == sorted(tables.runs["run_id"])
    position = {t: i for i, t in enumerate(tables.tasks["task_id"])}
    levels = dict(zip(tables.tasks["task_id"], tables.tasks["level"], strict=True))
    assert (frame["task_index"] == frame["task_id"].map(position)).all()
    assert (frame["level"] == frame["task_id"].map(levels)).all()
    runs = tables.runs.set_index("run_id").loc[frame["run_id"]]
    assert (frame["tokens"].to_numpy()
            == (runs["prompt_tokens"] + runs["completion_tokens"]).to_numpy()).all()


def test_panel_q_is_the_mean_over_judges_of_each_judges_sample_mean() -> None:
    tables = synthetic_tables(per_level=1, ns=(4,), protocols=("sequential",), models=("open",))
    run_id = tables.runs["run_id"].iloc[0]
    judgments = tables.judgments.copy()
    mine = judgments["run_id"] == run_id
    # judge-a keeps both samples (q 0.5 and 1.0), judge-b one ok sample (0.25) and one failure
    judgments.loc[mine, "q"] = [0.5, 1.0, 0.25, 0.9]
    judgments.loc[mine & (judgments["judge_model"] == "judge-b") & (judgments["sample"] == 1),
                  ["status", "q"]] = ["failed", np.nan]
    frame = run_frame(tables.tasks, tables.runs, judgments, tables.turns).set_index("run_id")
    assert frame.loc[run_id, "q"] == pytest.approx(((0.5 + 1.0) / 2 + 0.25) / 2)
    assert frame.loc[run_id, "n_judges"] == 2


def test_failed_runs_stay_in_the_frame_without_a_score(tables: Tables) -> None:
    frame = run_frame(tables.tasks, tables.runs, tables.judgments, tables.turns)
    failed = frame[frame["status"] != "ok"]
    assert len(failed) == (tables.runs["status"] != "ok").sum() > 0
    assert failed["q"].isna().all() and (failed["n_judges"] == 0).all()


def test_turn_metrics_are_the_librarys(tables: Tables) -> None:
    metrics = turn_metrics(tables.turns)
    assert list(metrics.columns) == TURN_COLUMNS
    rates = abstention_rates(tables.turns)
    pd.testing.assert_series_equal(metrics["abstention_rate"], rates["abstention_rate"],
                                   check_names=False, check_dtype=False)
    depths = hierarchy_depths(tables.turns).astype(float)
    pd.testing.assert_series_equal(metrics["hierarchy_depth"], depths, check_names=False)
    roles = role_metrics(tables.turns)
    pd.testing.assert_series_equal(metrics["n_roles_norm"], roles["n_roles_norm"].astype(float),
                                   check_names=False)
    agents = tables.turns[tables.turns["agent"] >= 0]
    expected = (~agents["parse_ok"]).groupby(agents["run_id"]).sum().astype(float)
    pd.testing.assert_series_equal(metrics["parse_failures"], expected, check_names=False)


def test_empty_turns_still_give_every_column() -> None:
    tables = synthetic_tables(per_level=1, ns=(4,), protocols=("sequential",), models=("open",))
    frame = run_frame(tables.tasks, tables.runs, tables.judgments, tables.turns.iloc[0:0])
    assert set(TURN_COLUMNS) <= set(frame.columns)
    assert frame["hierarchy_depth"].isna().all()


def test_judgments_carry_the_answer_length(tables: Tables) -> None:
    data = study_data(tables.tasks, tables.runs, tables.turns, tables.judgments)
    answers = tables.runs.set_index("run_id")["final_answer"].fillna("").str.len()
    assert len(data.judgments) == len(tables.judgments)
    assert (data.judgments["answer_chars"].to_numpy()
            == answers.loc[data.judgments["run_id"]].to_numpy()).all()
