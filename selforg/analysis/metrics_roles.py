"""Role metrics: unique roles, role concentration (Gini), role stability (docs/study.md section 6).

A run's roles are the roles of its agents' last turns that did not abstain: an abstaining agent
takes no part in the work, whatever name it wrote. Names are counted raw (stripped, non-empty)
and normalised with `selforg.roles.normalise_role`, the one normalisation of the project.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from selforg.analysis.metrics_turns import as_flag, last_turns
from selforg.analysis.result import Stat, not_computable
from selforg.roles import normalise_role

# Columns of the runs table that define a cell when roles are pooled: one organisation setting.
CELL: tuple[str, ...] = ("protocol", "model", "n_agents")
STABILITY_TEST = "mean share of consecutive task pairs keeping the normalised role"


def gini(counts: Iterable[float]) -> float | None:
    """Gini coefficient of non-negative counts: 0 when all are equal, towards 1 when one dominates.

    G = sum_i sum_j |x_i - x_j| / (2 n^2 mean(x)), computed as
    G = 2 sum_i i x_(i) / (n sum x) - (n + 1) / n over the counts sorted ascending (i = 1..n).
    Its maximum for n counts is (n - 1) / n, so it is always below 1. None when there are no
    counts, their sum is 0, or one is not finite; a negative count raises ValueError (counts
    cannot be negative, so it is a caller's bug, not a data condition).
    """
    x = np.sort(np.asarray(list(counts), dtype=float))
    if x.size == 0 or not np.isfinite(x).all() or x.sum() == 0:
        return None
    if (x < 0).any():
        raise ValueError("gini needs non-negative counts")
    n = x.size
    ranks = np.arange(1, n + 1)
    value = 2.0 * float((ranks * x).sum()) / (n * float(x.sum())) - (n + 1) / n
    return max(value, 0.0)


def role_turns(turns: pd.DataFrame) -> pd.DataFrame:
    """One row per agent that took a role in a run: run_id, agent, role_raw, role_norm.

    The role is read from the agent's last turn (`last_turns`); agents whose last turn abstained
    are left out. role_raw is the stripped raw string ("" when missing), role_norm its
    normalise_role value ("" for idle-like names).
    """
    last = last_turns(turns)
    active = last[~as_flag(last["abstain"])]
    raw = active["role"].astype("string").fillna("").str.strip().astype(str)
    # A study has few distinct role names and up to millions of turns: normalise each once.
    normalised = {name: normalise_role(name) for name in raw.unique()}
    return pd.DataFrame(
        {
            "run_id": active["run_id"].to_numpy(),
            "agent": active["agent"].to_numpy(),
            "role_raw": raw.to_numpy(),
            "role_norm": raw.map(normalised).to_numpy(dtype=object),
        }
    )


def _summarise_roles(raw: pd.Series, norm: pd.Series) -> dict[str, float]:
    """Role counts of one pool of role turns (one run, or all runs of a cell)."""
    named = norm[norm != ""]
    usage = named.value_counts()
    n_norm = len(usage)
    concentration = gini(usage.to_numpy())
    return {
        "n_role_turns": len(named),
        "n_roles_raw": int(raw[raw != ""].nunique()),
        "n_roles_norm": n_norm,
        "share_once": float((usage == 1).sum() / n_norm) if n_norm else float("nan"),
        "role_gini": float("nan") if concentration is None else concentration,
    }


def role_metrics(turns: pd.DataFrame) -> pd.DataFrame:
    """Role metrics per run (index run_id), over the agents that took a role (`role_turns`).

    n_role_turns: agents with a non-empty normalised role.
    n_roles_raw: distinct non-empty raw role strings (after stripping whitespace).
    n_roles_norm: distinct non-empty normalised roles.
    share_once: share of the distinct normalised roles that exactly one agent took (NaN if none).
    role_gini: `gini` over the number of agents per normalised role (NaN if none), 0 when every
    role has the same number of agents.
    Runs whose agents all abstained appear with zero counts and NaN shares.
    """
    roles = role_turns(turns)
    runs = pd.Index(sorted(last_turns(turns)["run_id"].unique()), name="run_id")
    if runs.empty:
        return pd.DataFrame.from_dict({}, orient="index")
    # The same counts as `_summarise_roles` per run, in group-bys: a per-run Python loop costs
    # minutes at a million turns. Gini as in `gini`: counts sorted ascending within each run.
    named = roles[roles["role_norm"] != ""]
    usage = named.groupby(["run_id", "role_norm"]).size().rename("count").reset_index()
    usage = usage.sort_values(["run_id", "count"], kind="stable")
    usage["weighted"] = (usage.groupby("run_id").cumcount() + 1) * usage["count"]
    usage["once"] = usage["count"] == 1
    per_run = usage.groupby("run_id").agg(n_role_turns=("count", "sum"),
                                          n_roles_norm=("count", "size"),
                                          once=("once", "sum"), weighted=("weighted", "sum"))
    raw = roles[roles["role_raw"] != ""].groupby("run_id")["role_raw"].nunique()
    frame = per_run.reindex(runs)
    n, total = frame["n_roles_norm"].astype(float), frame["n_role_turns"].astype(float)
    gini_values = 2.0 * frame["weighted"] / (n * total) - (n + 1) / n
    return pd.DataFrame({
        "n_role_turns": frame["n_role_turns"].fillna(0).astype(int),
        "n_roles_raw": raw.reindex(runs).fillna(0).astype(int),
        "n_roles_norm": frame["n_roles_norm"].fillna(0).astype(int),
        "share_once": frame["once"] / n,
        "role_gini": gini_values.clip(lower=0.0),
    }, index=runs)


def cell_role_metrics(
    turns: pd.DataFrame, runs: pd.DataFrame, cell: Sequence[str] = CELL
) -> pd.DataFrame:
    """The `role_metrics` columns pooled over all runs of each cell, plus n_runs.

    `runs` maps run_id to the cell columns. Pooling counts role turns across runs: share_once
    is the share of the cell's distinct normalised roles taken by exactly one agent in one run,
    role_gini the Gini over the number of agent turns per normalised role in the cell.
    """
    keys = list(cell)
    roles = role_turns(turns).merge(runs[["run_id", *keys]], on="run_id", how="inner")
    pooled = dict(tuple(roles.groupby(keys, dropna=False)))
    empty = roles.iloc[0:0]
    rows = []
    for key, cell_runs in runs.groupby(keys, dropna=False):
        group = pooled.get(key, empty)
        rows.append(
            {
                **dict(zip(keys, key, strict=True)),
                "n_runs": int(cell_runs["run_id"].nunique()),
                **_summarise_roles(group["role_raw"], group["role_norm"]),
            }
        )
    return pd.DataFrame(rows)


def missing_order_message(order: str) -> str:
    """Why the stability index is not computable when a task order value is missing."""
    return f"missing task order values in column {order!r}"


def duplicate_message(count: int) -> str:
    """Why the stability index is not computable with `count` duplicate (cell, task, slot) rows."""
    return f"{count} duplicate (cell, task, slot) rows; pass one row each"


def role_stability_by_slot(
    df: pd.DataFrame,
    cell: str | Sequence[str] = "cell",
    order: str = "task_index",
    slot: str = "agent",
    role: str = "role_norm",
) -> pd.DataFrame:
    """Per (cell, agent slot): the share of consecutive task pairs where the role stays the same.

    `df` has one row per (cell, task, slot): the cell column(s), the task's position in the
    cell's task order, the agent slot and its normalised role. Two tasks are consecutive when
    they are adjacent in the cell's task order (ranked over every row of the cell). A pair
    counts only when the slot has a non-empty role in both tasks: an abstention in between
    breaks the chain rather than counting as a change. Columns: the cell column(s), slot,
    n_pairs, n_kept, share. Slots with no pair are left out. Raises ValueError on duplicate
    (cell, task, slot) rows or a missing task order, which would make "consecutive" ambiguous.
    """
    keys = [cell] if isinstance(cell, str) else list(cell)
    data = df[[*keys, order, slot, role]].copy()
    if data[order].isna().any():
        raise ValueError(missing_order_message(order))
    duplicated = data.duplicated([*keys, order, slot])
    if duplicated.any():
        raise ValueError(duplicate_message(int(duplicated.sum())))
    data["_rank"] = data.groupby(keys, dropna=False)[order].rank(method="dense").astype(int)
    names = data[role].astype("string").fillna("")
    named = data[names != ""][[*keys, slot, "_rank", role]]
    following = named.assign(_rank=named["_rank"] - 1)
    pairs = named.merge(following, on=[*keys, slot, "_rank"], suffixes=("", "_next"))
    pairs["kept"] = pairs[role] == pairs[f"{role}_next"]
    result = pairs.groupby([*keys, slot], dropna=False).agg(
        n_pairs=("kept", "size"), n_kept=("kept", "sum")
    )
    result["n_kept"] = result["n_kept"].astype(int)
    result["share"] = result["n_kept"] / result["n_pairs"]
    return result.reset_index()


def _label(key: object) -> str:
    """A cell key as a JSON-safe string: tuple parts joined with '/'."""
    parts = key if isinstance(key, tuple) else (key,)
    return "/".join(str(part) for part in parts)


def role_stability_index(
    df: pd.DataFrame,
    cell: str | Sequence[str] = "cell",
    order: str = "task_index",
    slot: str = "agent",
    role: str = "role_norm",
) -> Stat:
    """Role stability index: mean over cells of the mean over slots of `role_stability_by_slot`.

    0 means every agent slot reinvents its role on every task, 1 that every slot keeps it.
    Each cell weighs the same, and each slot the same within its cell. Not computable when no
    slot has a consecutive pair (fewer than 2 tasks with a role in every cell), on duplicate
    rows or on a missing task order. n is the number of slots with at least one pair; extra
    holds n_pairs, n_cells and per_cell (cell label -> index).
    """
    try:
        slots = role_stability_by_slot(df, cell, order, slot, role)
    except ValueError as error:
        return not_computable(str(error), test=STABILITY_TEST)
    return stability_stat(slots, [cell] if isinstance(cell, str) else list(cell))


def stability_stat(slots: pd.DataFrame, keys: Sequence[str]) -> Stat:
    """The index from `role_stability_by_slot` rows whose cell columns are `keys`.

    Split from `role_stability_index` so a caller can compute the per-slot shares once for
    many cells and build the index of any subset of whole cells from them.
    """
    if slots.empty:
        return not_computable("fewer than 2 consecutive tasks with a role in every cell",
                              test=STABILITY_TEST)
    per_cell = slots.groupby(list(keys), dropna=False)["share"].mean()
    return Stat(
        value=float(per_cell.mean()),
        n=len(slots),
        test=STABILITY_TEST,
        extra={
            "n_pairs": int(slots["n_pairs"].sum()),
            "n_cells": len(per_cell),
            "per_cell": {_label(k): float(v) for k, v in per_cell.items()},
        },
    )
