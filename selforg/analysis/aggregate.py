"""From the four tables to one row per run: the frame every later statistic reads.

DuckDB does the joins: runs with their task (level, position in the task order), with the judge
panel (a run's Q and M are each judge's mean over its ok samples, then the mean over judges,
docs/study.md section 4) and with the per-run turn metrics of `selforg.analysis.metrics`
(abstention, hierarchy depth, roles, parse failures; unique_role_share = distinct normalised
roles / agents with a role). Nothing here drops a run: failed runs stay in the frame with
status "failed" so error rates and the failures section can count them; statistics of Q select
`status == 'ok'` themselves.

Shocked runs (runs.shock not null) are set apart here, once: `StudyData.runs`, `judgments` and
`turns` hold baseline runs only, so no protocol comparison, metric or judge statistic can mix
them in; `shocked` and `shocked_judgments` hold the shocked runs for resilience and totals.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from selforg.analysis.metrics import (
    abstention_rates,
    agent_turns,
    hierarchy_depths,
    role_metrics,
)

# Per-run turn metrics and their columns, fixed so an empty turns table still yields them.
ABSTENTION_COLUMNS = ["n_final", "abstention_rate", "voluntary_rate", "directed_rate"]
ROLE_COLUMNS = ["n_role_turns", "n_roles_raw", "n_roles_norm", "share_once", "role_gini"]
TURN_COLUMNS = [*ABSTENTION_COLUMNS, "hierarchy_depth", *ROLE_COLUMNS, "n_agent_turns",
                "parse_failures"]

RUN_FRAME_SQL = """
WITH per_judge AS (
    SELECT run_id, judge_model, AVG(q) AS q, AVG(m) AS m
    FROM judgments WHERE status = 'ok' AND q IS NOT NULL
    GROUP BY run_id, judge_model
), panel AS (
    SELECT run_id, AVG(q) AS q, AVG(m) AS m, COUNT(*) AS n_judges
    FROM per_judge GROUP BY run_id
)
SELECT r.run_id, r.task_id, t.task_index, t.level, t.verifiable, r.protocol, r.model,
       r.n_agents, r.replicate, r.shock, r.status, r.error, r.n_calls, r.prompt_tokens,
       r.completion_tokens, r.prompt_tokens + r.completion_tokens AS tokens, r.cost_usd,
       r.latency_s, length(COALESCE(r.final_answer, '')) AS answer_chars,
       p.q, p.m, COALESCE(p.n_judges, 0) AS n_judges, {turn_columns},
       tm.n_roles_norm / NULLIF(tm.n_role_turns, 0) AS unique_role_share
FROM runs r
JOIN tasks t USING (task_id)
LEFT JOIN panel p USING (run_id)
LEFT JOIN turn_metrics tm USING (run_id)
ORDER BY r.run_id
"""

JUDGMENT_FRAME_SQL = """
SELECT j.*, length(COALESCE(r.final_answer, '')) AS answer_chars
FROM judgments j JOIN runs r USING (run_id)
ORDER BY j.run_id, j.judge_model, j.sample
"""


@dataclass(frozen=True)
class StudyData:
    """The inputs of the analysis.

    runs: one row per baseline run (`run_frame`). judgments: the baseline runs' judgments with
    each run's answer length (`answer_chars`, for verbosity bias). turns: the baseline runs'
    turns as written. shocked / shocked_judgments: the same frames for the shocked runs.
    """

    runs: pd.DataFrame
    judgments: pd.DataFrame
    turns: pd.DataFrame
    shocked: pd.DataFrame
    shocked_judgments: pd.DataFrame


def turn_metrics(turns: pd.DataFrame) -> pd.DataFrame:
    """Per-run metrics from the turns table, one row per run with agent turns (index run_id).

    Columns TURN_COLUMNS; the definitions are the library's (docs/metrics.md). A run without
    agent turns (it failed before any agent answered) has no row, so its metrics are null.
    """
    agents = agent_turns(turns)
    parse = agents.assign(failed=~agents["parse_ok"].astype("boolean").fillna(False).astype(bool))
    counts = parse.groupby("run_id").agg(n_agent_turns=("agent", "size"),
                                         parse_failures=("failed", "sum"))
    parts = [
        abstention_rates(turns).reindex(columns=ABSTENTION_COLUMNS),
        hierarchy_depths(turns).to_frame("hierarchy_depth"),
        role_metrics(turns).reindex(columns=ROLE_COLUMNS),
        counts,
    ]
    frame = pd.concat(parts, axis=1).reindex(columns=TURN_COLUMNS)
    frame.index.name = "run_id"
    return frame.astype(float)


def _query(sql: str, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Run one query over named pandas frames in a private in-memory DuckDB."""
    con = duckdb.connect()
    try:
        for name, frame in frames.items():
            con.register(name, frame)
        return con.execute(sql).df()
    finally:
        con.close()


def run_frame(tasks: pd.DataFrame, runs: pd.DataFrame, judgments: pd.DataFrame,
              turns: pd.DataFrame) -> pd.DataFrame:
    """One row per run: setting, status, cost, panel Q and M, and its turn metrics.

    task_index is the task's position in the tasks table, the order the runner gives each cell
    its tasks (needed for the role stability index).
    """
    indexed = tasks.assign(task_index=range(len(tasks)))
    metrics = turn_metrics(turns).reset_index()
    sql = RUN_FRAME_SQL.format(turn_columns=", ".join(f"tm.{c}" for c in TURN_COLUMNS))
    return _query(sql, {"tasks": indexed, "runs": runs, "judgments": judgments,
                        "turn_metrics": metrics})


def judgment_frame(runs: pd.DataFrame, judgments: pd.DataFrame) -> pd.DataFrame:
    """The judgments table with the judged run's answer length in characters."""
    return _query(JUDGMENT_FRAME_SQL, {"runs": runs, "judgments": judgments})


def study_data(tasks: pd.DataFrame, runs: pd.DataFrame, turns: pd.DataFrame,
               judgments: pd.DataFrame) -> StudyData:
    """Join the four tables into the analysis inputs, baseline and shocked runs apart."""
    frame = run_frame(tasks, runs, judgments, turns)
    graded = judgment_frame(runs, judgments)
    baseline_ids = runs.loc[runs["shock"].isna(), "run_id"]
    in_frame, in_judged = frame["run_id"].isin(baseline_ids), graded["run_id"].isin(baseline_ids)

    def part(rows: pd.DataFrame, keep: pd.Series) -> pd.DataFrame:
        return rows[keep].reset_index(drop=True)

    return StudyData(part(frame, in_frame), part(graded, in_judged),
                     part(turns, turns["run_id"].isin(baseline_ids)),
                     part(frame, ~in_frame), part(graded, ~in_judged))
