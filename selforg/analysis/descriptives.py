"""Per-protocol figures of one setting: quality, cost, latency, errors, emergent behaviour.

Every figure is a `Stat` under a fixed name (SUMMARY_METRICS), so metrics.json, the report
and the plots read them the same way. Means are over tasks: replicates of a task are averaged
first (`task_means`), as in every statistic of the library, and the CI is the t interval over
tasks. Only finished runs (status ok) count, except in the error rate; Q and M need a panel
score as well. Role counts pool every finished run of the protocol in the setting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from selforg.analysis.metrics import (
    balance_index,
    gini,
    last_turns,
    role_stability_by_slot,
    role_turns,
)
from selforg.analysis.metrics_roles import (
    STABILITY_TEST,
    duplicate_message,
    missing_order_message,
    stability_stat,
)
from selforg.analysis.result import Stat, not_computable
from selforg.analysis.stats import Q_RANGE, SHARE_RANGE, mean_ci, proportion_ci
from selforg.analysis.stats_basic import NO_RANGE, Range

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
# The values one run can take, so that no interval claims the impossible (a share above 1).
NON_NEGATIVE: Range = (0.0, None)
RANGES: dict[str, Range] = {
    "q": Q_RANGE, "m": Q_RANGE, "tokens": NON_NEGATIVE, "cost_usd": NON_NEGATIVE,
    "latency_s": NON_NEGATIVE, "abstention": SHARE_RANGE, "abstention_voluntary": SHARE_RANGE,
    "abstention_directed": SHARE_RANGE, "hierarchy_depth": (1.0, None),
    "roles_per_run_raw": NON_NEGATIVE, "roles_per_run_norm": NON_NEGATIVE,
    "unique_role_share": SHARE_RANGE,
}


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


def task_means_by(rows: pd.DataFrame, keys: Sequence[str],
                  columns: Mapping[str, str]) -> dict[tuple[object, ...], pd.DataFrame]:
    """Task means of `columns` ({name: column}) per group of `keys`, in one groupby.

    Replicates of a task are averaged first (the library's unit of analysis, `task_means`).
    Returns {group key tuple: task means indexed by task_id}; groups without rows are absent.
    One groupby for every group rather than one per group: a setting has a dozen protocols
    and a study hundreds of settings, and each small pandas groupby costs milliseconds.
    """
    if rows.empty:
        return {}
    means = rows.groupby([*keys, "task_id"])[sorted(set(columns.values()))].mean()
    return {key: group.droplevel(list(keys))
            for key, group in means.groupby(level=list(keys))}


def stats_of_means(means: pd.DataFrame | None, columns: Mapping[str, str],
                   empty: str = "no finished runs") -> dict[str, Stat]:
    """mean_ci over tasks of each column: {metric name: Stat} for columns {name: column}.

    means: one group's task means from `task_means_by`, None when the group has no rows
    (`empty` is then the reason given). A task none of whose runs has a value is NaN there,
    and mean_ci leaves it out and notes how many were. Each interval stays within the
    metric's range (RANGES).
    """
    if means is None:
        return {name: not_computable(empty, test="mean, t-based 95% CI")
                for name in columns}
    return {name: mean_ci(means[column].to_numpy(dtype=float), RANGES.get(name, NO_RANGE))
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


def cell_labels(runs: pd.DataFrame) -> pd.Series:
    """The stability cell of each run: "model/N/replicate" (a cell's tasks form one order)."""
    return (runs["model"].astype(str) + "/" + runs["n_agents"].astype(str) + "/"
            + runs["replicate"].astype(str))


@dataclass(frozen=True)
class StudyRoles:
    """The role tables of the study's finished runs, computed once for every setting.

    Each setting pools a subset of the same runs; filtering the whole turns table and
    recomputing last turns, roles and stability chains per setting made the analysis
    quadratic (minutes at a million turns). These tables are small (a row per run and role, or
    per cell and slot) and a setting's figures are regrouped from them.

    run_ids: the run frame's run ids; `run` in usage and raw is a position in it.
    usage: one row per (run, normalised role): protocol, role_norm, count (agents taking it).
    raw: one row per (run, distinct non-empty raw role string): protocol, role_raw.
    slots: `role_stability_by_slot` over the cells (protocol, cell) free of blocking rows,
    cell as `cell_labels`. blocked: the cells with a missing task order (missing) or
    duplicate (task, slot) rows (duplicates), whose index is not computable.
    """

    run_ids: pd.Index
    usage: pd.DataFrame
    raw: pd.DataFrame
    slots: pd.DataFrame
    blocked: pd.DataFrame

    def _picked(self, table: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
        """The rows of `table` that belong to the runs of `runs`."""
        chosen = np.zeros(len(self.run_ids), dtype=bool)
        chosen[self.run_ids.get_indexer(runs["run_id"])] = True
        return table[chosen[table["run"].to_numpy()]]

    def pooled(self, finished: pd.DataFrame) -> dict[str, dict[str, float]]:
        """Role counts per protocol pooled over `finished` (a setting's finished runs).

        The `_summarise_roles` figures of the pooled role turns: agents per normalised role
        summed over the runs, distinct raw names over the union of the runs' names. A protocol
        none of whose agents took a named role has no entry.
        """
        counts = self._picked(self.usage, finished).groupby(["protocol", "role_norm"])["count"]
        raw = self._picked(self.raw, finished).groupby("protocol")["role_raw"].nunique()
        out = {}
        for protocol, per_role in counts.sum().groupby(level="protocol"):
            usage = per_role.to_numpy()
            concentration = gini(usage)
            out[str(protocol)] = {
                "n_roles_raw": float(raw.get(protocol, 0)),
                "n_roles_norm": float(len(usage)),
                "share_once": float((usage == 1).sum() / len(usage)),
                "role_gini": float("nan") if concentration is None else concentration,
            }
        return out

    def stability(self, finished: pd.DataFrame, protocols: list[str]) -> dict[str, Stat]:
        """Role stability index of each protocol over the cells of its runs in `finished`.

        Exact only when `finished` holds whole cells (every finished run of the protocol in
        each of its cells), as a levels-pooled setting does: the chains were ranked per cell.
        """
        keys = ["protocol", "cell"]
        cells = pd.DataFrame({"protocol": finished["protocol"].to_numpy(),
                              "cell": cell_labels(finished).to_numpy()}).drop_duplicates()
        blocked = dict(tuple(self.blocked.merge(cells, on=keys).groupby("protocol")))
        slots = dict(tuple(self.slots.merge(cells, on=keys).groupby("protocol")))
        out = {}
        for protocol in protocols:
            stuck = blocked.get(protocol)
            if stuck is not None and stuck["missing"].any():
                out[protocol] = not_computable(missing_order_message("task_index"),
                                               test=STABILITY_TEST)
            elif stuck is not None:
                out[protocol] = not_computable(duplicate_message(int(stuck["duplicates"].sum())),
                                               test=STABILITY_TEST)
            else:
                out[protocol] = stability_stat(slots.get(protocol, self.slots.iloc[0:0]), ["cell"])
        return out


def study_roles(frame: pd.DataFrame, turns: pd.DataFrame) -> StudyRoles:
    """The `StudyRoles` of the run frame `frame` and its turns table."""
    run_ids = pd.Index(frame["run_id"])
    finished = frame.loc[frame["status"] == "ok",
                         ["run_id", "protocol", "model", "n_agents", "replicate", "task_index"]]
    roles = role_turns(turns).merge(finished[["run_id", "protocol"]], on="run_id")
    roles["run"] = run_ids.get_indexer(roles["run_id"])
    usage = (roles[roles["role_norm"] != ""].groupby(["run", "protocol", "role_norm"]).size()
             .rename("count").reset_index())
    raw = roles.loc[roles["role_raw"] != "", ["run", "protocol", "role_raw"]].drop_duplicates()

    keys = ["protocol", "cell"]
    table = role_slots(turns).merge(finished, on="run_id")
    table["cell"] = cell_labels(table)
    flags = pd.DataFrame({
        "missing": table["task_index"].isna(),
        "duplicates": table.duplicated([*keys, "task_index", "agent"]).astype(int),
    })
    per_cell = flags.groupby([table["protocol"], table["cell"]]).agg(
        missing=("missing", "any"), duplicates=("duplicates", "sum"))
    blocked = per_cell[per_cell["missing"] | (per_cell["duplicates"] > 0)].reset_index()
    clean = table.merge(blocked[keys], on=keys, how="left", indicator=True)
    clean = clean[clean["_merge"] == "left_only"]
    slots = role_stability_by_slot(clean, cell=keys, order="task_index", slot="agent",
                                   role="role_norm")
    return StudyRoles(run_ids, usage, raw, slots, blocked)


def _pooled_roles(pooled: dict[str, float] | None, n_runs: int) -> dict[str, Stat]:
    """Distinct raw and normalised roles, Gini and share used once, pooled over runs.

    pooled: the protocol's entry of `StudyRoles.pooled`, None when no agent took a role.
    """
    test = "pooled over the protocol's finished runs in this setting"
    if pooled is None:
        reason = "no agent took a role" if n_runs else "no finished runs"
        return {name: not_computable(reason, n=n_runs, test=test) for name in POOLED_ROLE_METRICS}
    out = {}
    for name, column in POOLED_ROLE_METRICS.items():
        value = pooled[column]
        out[name] = (Stat(value=value, n=n_runs, test=test) if np.isfinite(value)
                     else not_computable("undefined without roles", n=n_runs, test=test))
    return out


def error_rate(runs: int, failed: int) -> Stat:
    """Failed runs / runs with the Wilson interval (runs, not tasks: a failure is per run)."""
    if runs == 0:
        return not_computable("no runs", test="failed runs / runs, Wilson score 95% CI")
    return replace(proportion_ci(failed, runs), test="failed runs / runs, Wilson score 95% CI")


def summarise(rows: pd.DataFrame, roles: StudyRoles, protocols: list[str],
              stability: bool = True) -> dict[str, ProtocolSummary]:
    """ProtocolSummary per protocol of one setting's runs (`rows`, failed ones included).

    roles: the study's `StudyRoles`, from which the setting's role figures are regrouped.
    stability: False for a single-level setting, where "consecutive tasks" would skip the
    tasks of other levels and so not be the index docs/study.md defines over a cell's task order
    (a levels-pooled setting holds whole cells, as `StudyRoles.stability` needs).
    The balance index is filled in across the protocols of the setting (`with_balance`).
    """
    finished = rows["status"] == "ok"
    ok = rows[finished]
    n_runs = rows["protocol"].value_counts()
    n_failed = rows.loc[~finished, "protocol"].value_counts()
    n_done = ok["protocol"].value_counts()
    pooled = roles.pooled(ok)
    scores = task_means_by(ok[ok["q"].notna()], ["protocol"], SCORE_METRICS)
    figures = task_means_by(ok, ["protocol"], RUN_METRICS)
    stable = roles.stability(ok, protocols) if stability else {}
    out = {}
    for protocol in protocols:
        runs, failed = int(n_runs.get(protocol, 0)), int(n_failed.get(protocol, 0))
        stats = (stats_of_means(scores.get((protocol,)), SCORE_METRICS, "no judged runs")
                 | stats_of_means(figures.get((protocol,)), RUN_METRICS))
        stats["error_rate"] = error_rate(runs, failed)
        stats |= _pooled_roles(pooled.get(protocol), int(n_done.get(protocol, 0)))
        stats["role_stability"] = (
            stable[protocol] if stability
            else not_computable("defined over a cell's whole task order: see the "
                                "levels-pooled setting"))
        out[protocol] = ProtocolSummary(protocol, runs, failed, stats)
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
