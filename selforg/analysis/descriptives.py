"""Per-protocol figures of one setting: quality, cost, latency, errors, emergent behaviour.

Every figure is a `Stat` under a fixed name (SUMMARY_METRICS), so metrics.json, the report
and the plots read them the same way. Means are over tasks: replicates of a task are averaged
first (`task_means`), as in every statistic of the library, and the CI is the t interval over
tasks. Only finished runs (status ok) count, except in the error rate; Q and M need a panel
score as well. Role counts pool every finished run of the protocol in the setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from selforg.analysis.metrics import (
    balance_index,
    cell_role_metrics,
    last_turns,
    role_stability_index,
    role_turns,
)
from selforg.analysis.result import Stat, not_computable
from selforg.analysis.stats import mean_ci

# Per-run columns of the run frame averaged per task, and the metric name each becomes: the
# panel scores (judged runs) and the figures of every finished run.
SCORE_METRICS: dict[str, str] = {"q": "q", "m": "m"}
RUN_METRICS: dict[str, str] = {
    "tokens": "tokens",
    "cost_usd": "cost_usd",
    "latency_s": "latency_s",
    "abstention": "abstention_rate",
    "abstention_voluntary": "voluntary_rate",
    "abstention_directed": "directed_rate",
    "hierarchy_depth": "hierarchy_depth",
    "roles_per_run_raw": "n_roles_raw",
    "roles_per_run_norm": "n_roles_norm",
    "unique_role_share": "unique_role_share",
}
POOLED_ROLE_METRICS: dict[str, str] = {
    "roles_raw": "n_roles_raw",
    "roles_norm": "n_roles_norm",
    "role_gini": "role_gini",
    "role_share_once": "share_once",
}
SUMMARY_METRICS = (*SCORE_METRICS, *RUN_METRICS, "error_rate", *POOLED_ROLE_METRICS,
                   "role_stability", "balance")


@dataclass(frozen=True)
class ProtocolSummary:
    """runs / failed: counts of the protocol's runs in the setting; stats: SUMMARY_METRICS."""

    protocol: str
    runs: int
    failed: int
    stats: dict[str, Stat]


def point(stat: Stat) -> float | None:
    """The estimate of a Stat, or the lone mean a one-value `mean_ci` keeps in extra."""
    if stat.value is not None:
        return stat.value
    mean = stat.extra.get("mean")
    return None if mean is None else float(mean)


def task_level_stats(rows: pd.DataFrame, columns: Mapping[str, str],
                     empty: str = "no finished runs") -> dict[str, Stat]:
    """mean_ci over tasks of each column: {metric name: Stat} for columns {name: column}.

    Replicates of a task are averaged first (the library's unit of analysis, `task_means`),
    in one groupby for all columns; a task none of whose runs has a value is left out, and
    mean_ci notes how many were. `empty` is the reason given when there are no rows.
    """
    if rows.empty:
        return {name: not_computable(empty, test="mean, t-based 95% CI")
                for name in columns}
    means = rows.groupby("task_id")[sorted(set(columns.values()))].mean()
    return {name: mean_ci(means[column].to_numpy(dtype=float))
            for name, column in columns.items()}


def role_slots(turns: pd.DataFrame) -> pd.DataFrame:
    """One row per (run, agent): the normalised role of its last turn, "" when it abstained.

    Abstaining slots are kept (with no role) so they break a slot's chain of kept roles in the
    stability index instead of vanishing from the task order.
    """
    slots = last_turns(turns)[["run_id", "agent"]]
    roles = role_turns(turns)[["run_id", "agent", "role_norm"]]
    merged = slots.merge(roles, on=["run_id", "agent"], how="left")
    return merged.assign(role_norm=merged["role_norm"].fillna(""))


def _pooled_roles(roles: pd.DataFrame, protocol: str, n_runs: int) -> dict[str, Stat]:
    """Distinct raw and normalised roles, Gini and share used once, pooled over runs."""
    test = "pooled over the protocol's finished runs in this setting"
    match = roles[roles["protocol"] == protocol] if "protocol" in roles else roles
    if match.empty or match["n_role_turns"].iloc[0] == 0:
        reason = "no agent took a role" if n_runs else "no finished runs"
        return {name: not_computable(reason, n=n_runs, test=test) for name in POOLED_ROLE_METRICS}
    row = match.iloc[0]
    out = {}
    for name, column in POOLED_ROLE_METRICS.items():
        value = float(row[column])
        out[name] = (Stat(value=value, n=n_runs, test=test) if np.isfinite(value)
                     else not_computable("undefined without roles", n=n_runs, test=test))
    return out


def _stability(slots: pd.DataFrame, runs: pd.DataFrame) -> Stat:
    """Role stability index over cells (model, N, replicate), tasks in the runner's order."""
    table = slots.merge(runs[["run_id", "model", "n_agents", "replicate", "task_index"]],
                        on="run_id")
    table["cell"] = (table["model"].astype(str) + "/" + table["n_agents"].astype(str) + "/"
                     + table["replicate"].astype(str))
    return role_stability_index(table, cell="cell", order="task_index", slot="agent",
                                role="role_norm")


def error_rate(runs: int, failed: int) -> Stat:
    test = "failed runs / runs"
    if runs == 0:
        return not_computable("no runs", test=test)
    return Stat(value=failed / runs, n=runs, test=test)


def summarise(rows: pd.DataFrame, turns: pd.DataFrame, slots: pd.DataFrame,
              protocols: list[str], stability: bool = True) -> dict[str, ProtocolSummary]:
    """ProtocolSummary per protocol of one setting's runs (`rows`, failed ones included).

    turns: the turns table; slots: `role_slots` of the study (one row per run and agent).
    stability: False for a single-level setting, where "consecutive tasks" would skip the
    tasks of other levels and so not be the index STUDY.md defines over a cell's task order.
    The balance index is filled in across the protocols of the setting (`with_balance`).
    """
    ok = rows[rows["status"] == "ok"]
    run_ids = set(ok["run_id"])
    roles = cell_role_metrics(turns[turns["run_id"].isin(run_ids)],
                              ok[["run_id", "protocol"]], cell=("protocol",))
    out = {}
    for protocol in protocols:
        mine = rows[rows["protocol"] == protocol]
        done = ok[ok["protocol"] == protocol]
        stats = (task_level_stats(done[done["q"].notna()], SCORE_METRICS, "no judged runs")
                 | task_level_stats(done, RUN_METRICS))
        failed = int((mine["status"] != "ok").sum())
        stats["error_rate"] = error_rate(len(mine), failed)
        stats |= _pooled_roles(roles, protocol, len(done))
        stats["role_stability"] = (
            _stability(slots[slots["run_id"].isin(set(done["run_id"]))], done) if stability
            else not_computable("defined over a cell's whole task order: see the "
                                "levels-pooled setting"))
        out[protocol] = ProtocolSummary(protocol, len(mine), failed, stats)
    return with_balance(out)


def with_balance(summaries: dict[str, ProtocolSummary]) -> dict[str, ProtocolSummary]:
    """Add the balance index B, normalised across the protocols of the setting.

    Cost is USD, or tokens when every protocol costs 0 USD (local models), so that the cost
    term still separates the protocols; the test text says which.
    """
    names = list(summaries)
    usd = [point(summaries[p].stats["cost_usd"]) for p in names]
    unit = "cost_usd" if any(v for v in usd) else "tokens"
    table = pd.DataFrame({
        "q": [point(summaries[p].stats["q"]) for p in names],
        "m": [point(summaries[p].stats["m"]) for p in names],
        "latency_s": [point(summaries[p].stats["latency_s"]) for p in names],
        "cost_usd": [point(summaries[p].stats[unit]) for p in names],
        "error_rate": [summaries[p].stats["error_rate"].value for p in names],
    }, index=names, dtype=float)
    balance = balance_index(table)["balance"] if names else pd.Series(dtype=float)
    test = f"balance index, min-max over {len(names)} protocols, cost in {unit}"
    out = {}
    for p in names:
        value = float(balance[p])
        stat = (Stat(value=value, n=len(names), test=test) if np.isfinite(value)
                else not_computable("Q, M, latency, cost or error rate missing", test=test))
        out[p] = replace(summaries[p], stats=summaries[p].stats | {"balance": stat})
    return out
