"""From the four tables to the per-run frame and the flat metrics of reports/metrics.json.

DuckDB joins runs, tasks and judgments; a run's Q and M are the means over its panel's ok
judgments (STUDY.md section 4). Metrics keys are flat and stable (`q.<protocol>`,
`q_ci_low.<protocol>`, ...) so `dvc metrics diff` reads well across commits; a statistic that
cannot be computed is stored as null, with the reason in the report.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from selforg.analysis.result import Stat
from selforg.analysis.stats import mean_ci

RUN_FRAME_SQL = """
WITH panel AS (
    SELECT run_id, AVG(q) AS q, AVG(m) AS m, COUNT(*) AS n_judgments,
           COUNT(*) FILTER (WHERE status = 'ok') AS n_ok_judgments
    FROM judgments WHERE status = 'ok' GROUP BY run_id
)
SELECT r.run_id, r.task_id, t.level, r.protocol, r.model, r.n_agents, r.replicate,
       r.status, r.error, r.n_active, r.n_abstained, r.hierarchy_depth, r.n_calls,
       r.prompt_tokens + r.completion_tokens AS tokens, r.cost_usd, r.latency_s,
       length(COALESCE(r.final_answer, '')) AS answer_chars, p.q, p.m
FROM runs r
JOIN tasks t USING (task_id)
LEFT JOIN panel p USING (run_id)
ORDER BY r.run_id
"""


def run_frame(tasks: pd.DataFrame, runs: pd.DataFrame, judgments: pd.DataFrame) -> pd.DataFrame:
    """One row per run with its level, panel Q and M, tokens, cost, latency, status."""
    con = duckdb.connect()
    try:
        for name, frame in (("tasks", tasks), ("runs", runs), ("judgments", judgments)):
            con.register(name, frame)
        return con.execute(RUN_FRAME_SQL).df()
    finally:
        con.close()


def protocol_quality(frame: pd.DataFrame) -> dict[str, Stat]:
    """Mean Q per protocol over its judged runs, with a t-based 95% CI."""
    judged = frame[frame["q"].notna()]
    return {str(p): mean_ci(g["q"].to_numpy(dtype=float))
            for p, g in judged.groupby("protocol", sort=True)}


def flat_metrics(frame: pd.DataFrame, judgments: pd.DataFrame) -> dict[str, Any]:
    """The metrics.json content: flat keys, numbers or null."""
    out: dict[str, Any] = {
        "runs.total": len(frame),
        "runs.failed": int((frame["status"] != "ok").sum()),
        "judgments.total": len(judgments),
        "judgments.failed": int((judgments["status"] != "ok").sum()),
        "tokens.total": int(frame["tokens"].sum()),
        "cost_usd.total": float(frame["cost_usd"].sum()),
    }
    for protocol, stat in protocol_quality(frame).items():
        out[f"q.{protocol}"] = stat.value
        out[f"q_ci_low.{protocol}"] = stat.ci_low
        out[f"q_ci_high.{protocol}"] = stat.ci_high
        out[f"q_n.{protocol}"] = stat.n
    for protocol, g in frame.groupby("protocol", sort=True):
        ok = g[g["status"] == "ok"]
        out[f"m.{protocol}"] = float(ok["m"].mean()) if ok["m"].notna().any() else None
        out[f"tokens_per_run.{protocol}"] = float(ok["tokens"].mean()) if len(ok) else None
        out[f"latency_s.{protocol}"] = float(ok["latency_s"].mean()) if len(ok) else None
        out[f"error_rate.{protocol}"] = float((g["status"] != "ok").mean())
    return out
