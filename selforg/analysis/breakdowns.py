"""Figures broken down by protocol and N, or protocol and level: the plots' and tables' data.

Long tables (one row per group and metric) with the estimate, its 95% CI and n over tasks, as
`stats_of_means` computes them. A group with a single task keeps its mean with no CI (plots show
the point; the report prints "no CI"). Roles are also pooled per cell (`roles_pooled`).
"""

from __future__ import annotations

import pandas as pd

from selforg.analysis.descriptives import (
    RUN_METRICS,
    SCORE_METRICS,
    point,
    stats_of_means,
    task_means_by,
)
from selforg.analysis.metrics import cell_role_metrics
from selforg.analysis.settings import judged

BREAKDOWN_COLUMNS = ["metric", "value", "ci_low", "ci_high", "n", "note"]
ROLE_CELL = ("protocol", "model", "n_agents")


def breakdown(rows: pd.DataFrame, keys: list[str], metrics: dict[str, str]) -> pd.DataFrame:
    """One row per group of `keys` and metric: value, ci_low, ci_high, n, note."""
    out = []
    for key, means in task_means_by(rows, keys, metrics).items():
        labels = dict(zip(keys, key, strict=True))
        for name, stat in stats_of_means(means, metrics).items():
            out.append({**labels, "metric": name, "value": point(stat), "ci_low": stat.ci_low,
                        "ci_high": stat.ci_high, "n": stat.n, "note": stat.note})
    return pd.DataFrame(out, columns=[*keys, *BREAKDOWN_COLUMNS])


def by_keys(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Q and M (judged runs) and RUN_METRICS (finished runs) per group of `keys`."""
    finished = frame[frame["status"] == "ok"]
    return pd.concat([breakdown(judged(frame), keys, SCORE_METRICS),
                      breakdown(finished, keys, RUN_METRICS)], ignore_index=True)


def roles_pooled(frame: pd.DataFrame, turns: pd.DataFrame, cell: tuple[str, ...]) -> pd.DataFrame:
    """Distinct roles (raw, normalised), share used once and Gini pooled per `cell`.

    cell=ROLE_CELL gives one row per (protocol, model, N); ("n_agents",) pools everything at
    each N (the reference study's "unique roles with 8 agents"); () pools the whole study.
    """
    finished = frame[frame["status"] == "ok"].assign(study="all")
    used = turns[turns["run_id"].isin(set(finished["run_id"]))]
    return cell_role_metrics(used, finished, cell=cell or ("study",))


def pick(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The rows of one metric of a breakdown, without the metric column."""
    return table[table["metric"] == metric].drop(columns="metric").reset_index(drop=True)
