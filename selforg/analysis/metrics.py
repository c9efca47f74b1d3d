"""The metrics of docs/study.md section 6 in one import: turn metrics, role metrics, balance index.

Pure functions over pandas DataFrames with the columns of `selforg.schema`; no I/O. A per-run
value that is undefined (a share of nothing) is NaN in the returned frames; metrics.json stores
None for it. The turn-structure metrics live in `metrics_turns`, the role metrics in
`metrics_roles`; both are re-exported here so callers import every metric from this module.
"""

from __future__ import annotations

import pandas as pd

from selforg.analysis.metrics_roles import (
    CELL,
    cell_role_metrics,
    gini,
    role_metrics,
    role_stability_by_slot,
    role_stability_index,
    role_turns,
)
from selforg.analysis.metrics_turns import (
    abstention_rates,
    agent_turns,
    final_round_turns,
    hierarchy_depth,
    hierarchy_depths,
    last_turns,
)

__all__ = [
    "BALANCE_WEIGHTS",
    "CELL",
    "abstention_rates",
    "agent_turns",
    "balance_index",
    "cell_role_metrics",
    "final_round_turns",
    "gini",
    "hierarchy_depth",
    "hierarchy_depths",
    "last_turns",
    "role_metrics",
    "role_stability_by_slot",
    "role_stability_index",
    "role_turns",
]

# Weights of docs/study.md section 6, in the order q, m, 1 - T, 1 - C, 1 - R; they sum to 1.
BALANCE_WEIGHTS: dict[str, float] = {"q": 0.25, "m": 0.20, "t": 0.20, "c": 0.20, "r": 0.15}


def _min_max(column: pd.Series) -> pd.Series:
    """(x - min) / (max - min) over the non-missing values; a constant column maps to 0."""
    low, high = column.min(), column.max()
    if pd.isna(low) or high == low:
        return column * 0.0
    return (column - low) / (high - low)


def balance_index(df: pd.DataFrame) -> pd.DataFrame:
    """Balance index B per row (one row per protocol of one comparison).

    B = 0.25 Q + 0.20 M + 0.20 (1 - T) + 0.20 (1 - C) + 0.15 (1 - R), from the columns q, m,
    latency_s, cost_usd and error_rate. T, C and R are latency, cost and error rate min-max
    normalised within the rows passed: (x - min) / (max - min), so the best row scores 0 and
    the worst 1. A column that is constant across the rows normalises to 0 for every row: it
    does not separate the protocols, so it neither rewards nor penalises any of them. A row with
    a missing input has B = NaN. B is unitless, in [0, 1] when Q and M are.
    Returns columns t, c, r and balance, indexed like `df`.
    """
    out = pd.DataFrame(index=df.index)
    out["t"] = _min_max(df["latency_s"].astype(float))
    out["c"] = _min_max(df["cost_usd"].astype(float))
    out["r"] = _min_max(df["error_rate"].astype(float))
    w = BALANCE_WEIGHTS
    out["balance"] = (
        w["q"] * df["q"].astype(float)
        + w["m"] * df["m"].astype(float)
        + w["t"] * (1 - out["t"])
        + w["c"] * (1 - out["c"])
        + w["r"] * (1 - out["r"])
    )
    return out
