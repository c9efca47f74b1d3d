"""Effects across settings: scaling with N, capability, open vs closed, complexity.

Each answers one question of docs/study.md section 7 by calling the library's statistics on the
finished, judged runs. When a question needs data the study did not collect (one N, no
`fixed_roles`, no open or no closed model, one level) the statistic is not computable with the
reason, and the report says so; nothing here raises on a small study.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from selforg.analysis.result import Stat, not_computable
from selforg.analysis.settings import Design, judged, ordered
from selforg.analysis.stats import (
    Q_RANGE,
    CapabilityResult,
    LevelDropResult,
    capability,
    cost_exponent,
    friedman_by_n,
    kruskal_by_n,
    level_drop,
    log2_slope,
    ratio_ci,
    task_means,
    welch_t,
)
from selforg.analysis.stats_basic import Range, paired_t

# fixed_roles is `sequential` with pre-assigned roles: the free-role structure it is tested
# against (docs/study.md section 2).
FREE_COUNTERPART = "sequential"
FIXED = "fixed_roles"
# The reference study's scaling test covers N = 64..256; the same range is tested apart here.
LARGE_N = 64


@dataclass(frozen=True)
class ScalingResult:
    """Q and cost against N for one scope (protocol and model, None = pooled).

    slope: task-blocked slope of Q per doubling of N; friedman: Q across N, tasks as blocks;
    kruskal: the reference study's Kruskal-Wallis (ignores the blocks); cost: task-blocked
    cost exponent b. cost_unit: "cost_usd", or "tokens" when some run cost 0 USD.
    """

    scope: str
    protocol: str | None
    model: str | None
    ns: list[int]
    slope: Stat
    friedman: Stat
    kruskal: Stat
    cost: Stat
    cost_unit: str


@dataclass(frozen=True)
class CapabilityFinding:
    """Task-blocked structure (free sequential vs fixed_roles) x model at one N (None: pooled)."""

    n_agents: int | None
    models: list[str]
    result: CapabilityResult


@dataclass(frozen=True)
class OpenClosedFinding:
    """Open- vs closed-weight models within one protocol (None = all protocols pooled).

    quality_ratio: mean Q open / mean Q closed (task means, paired when the tasks match).
    quality_test: paired t-test of those task means (Welch's t when the tasks differ).
    cost_ratio: USD per run closed / open (how many times cheaper the open models ran).
    list_price_ratio: blended list price (mean of input and output USD per million tokens)
    closed / open, averaged over each group's models; None when a price is unknown or zero.
    """

    protocol: str | None
    open_models: list[str]
    closed_models: list[str]
    quality_ratio: Stat
    quality_test: Stat
    cost_ratio: Stat
    list_price_ratio: float | None


@dataclass(frozen=True)
class ComplexityFinding:
    """Q by level and the L1 -> L4 drop for one protocol (None = all protocols pooled)."""

    protocol: str | None
    result: LevelDropResult


def _scaling(rows: pd.DataFrame, finished: pd.DataFrame, scope: str, protocol: str | None,
             model: str | None) -> ScalingResult:
    """The scaling statistics of Q and the cost exponent over one scope's runs."""
    unit = "cost_usd" if len(finished) and bool((finished["cost_usd"] > 0).all()) else "tokens"
    ns = sorted(int(n) for n in finished["n_agents"].unique())
    q = rows[["task_id", "n_agents", "q"]]
    return ScalingResult(scope, protocol, model, ns, log2_slope(q), friedman_by_n(q),
                         kruskal_by_n(q),
                         cost_exponent(finished[["task_id", "n_agents", unit]], cost=unit), unit)


def scaling_results(frame: pd.DataFrame, design: Design) -> list[ScalingResult]:
    """Scaling pooled over the organisations (and from N = 64 up), per protocol, per model.

    Fixed-N controls have one N and are left out; pooling averages each (N, task) over the
    protocols and models that ran it, so the task stays the unit.
    """
    finished = frame[(frame["status"] == "ok") & ~frame["protocol"].isin(list(design.fixed_n))]
    rows = judged(finished)
    out = []
    organisations = design.organisations(set(rows["protocol"]))
    pooled = rows[rows["protocol"].isin(organisations)]
    pooled_cost = finished[finished["protocol"].isin(organisations)]
    out.append(_scaling(pooled, pooled_cost, "organisations pooled", None, None))
    large = sorted(n for n in pooled["n_agents"].unique() if n >= LARGE_N)
    if len(large) >= 2:
        out.append(_scaling(pooled[pooled["n_agents"] >= LARGE_N],
                            pooled_cost[pooled_cost["n_agents"] >= LARGE_N],
                            f"organisations pooled, N >= {LARGE_N}", None, None))
    models = ordered(design.models, set(rows["model"]))
    for protocol in design.order(set(rows["protocol"])):
        mine, cost = rows[rows["protocol"] == protocol], finished[finished["protocol"] == protocol]
        out.append(_scaling(mine, cost, protocol, protocol, None))
        if len(models) > 1:
            out.extend(_scaling(mine[mine["model"] == m], cost[cost["model"] == m],
                                f"{protocol}, {m}", protocol, m) for m in models)
    return out


def capability_results(frame: pd.DataFrame, design: Design) -> list[CapabilityFinding]:
    """Task-blocked capability test with N pooled (task means) and at each N both ran."""
    rows = judged(frame)
    rows = rows[rows["protocol"].isin([FREE_COUNTERPART, FIXED])]
    data = rows.assign(structure=rows["protocol"].map({FREE_COUNTERPART: "free", FIXED: FIXED}))
    data = data[["structure", "model", "q", "task_id", "n_agents"]]
    models = ordered(design.models, set(data["model"]))
    out = [CapabilityFinding(None, models, capability(data))]
    both = sorted(set(data.loc[data["structure"] == "free", "n_agents"])
                  & set(data.loc[data["structure"] == FIXED, "n_agents"]))
    for n in both:
        at_n = data[data["n_agents"] == n]
        out.append(CapabilityFinding(int(n), ordered(design.models, set(at_n["model"])),
                                     capability(at_n)))
    return out


def group_ratio(rows: pd.DataFrame, value: str, numerator: bool, test_note: str,
                 value_range: Range) -> tuple[Stat, Stat]:
    """ratio_ci of task means between the open (numerator=True) and closed groups, and the
    t-test of the same task means (paired when both groups ran the same tasks)."""
    data, _ = task_means(rows, ["open"], value)
    open_, closed = data[data["open"]], data[~data["open"]]
    if open_.empty or closed.empty:
        missing = "open-weights" if open_.empty else "closed-weights"
        reason = f"no {missing} model with {test_note}"
        return not_computable(reason), not_computable(reason)
    paired = set(open_["task_id"]) == set(closed["task_id"])
    a, b = (open_, closed) if numerator else (closed, open_)
    x = a.sort_values("task_id")[value].to_numpy()
    y = b.sort_values("task_id")[value].to_numpy()
    test = paired_t(x, y) if paired else welch_t(x, y)
    if float(abs(y).sum()) == 0:
        which = "closed" if numerator else "open"
        return not_computable(f"{value} of the {which}-weights models is 0 on every task "
                              "(local or free provider): the ratio is unbounded"), test
    return ratio_ci(x, y, paired=paired, value_range=value_range), test


def list_price_ratio(open_models: list[str], closed_models: list[str],
                      design: Design) -> float | None:
    """Closed / open blended list price; None when a price is unknown or the open one is 0."""
    def blended(models: list[str]) -> float | None:
        prices = [design.list_price.get(m) for m in models]
        known = [(i + o) / 2 for i, o in (p for p in prices if p is not None)]
        return sum(known) / len(known) if models and len(known) == len(models) else None

    closed, open_ = blended(closed_models), blended(open_models)
    return None if closed is None or not open_ else closed / open_


def open_closed_results(frame: pd.DataFrame, design: Design) -> list[OpenClosedFinding]:
    """Quality and cost ratios of open vs closed models, pooled and per protocol."""
    finished = frame[frame["status"] == "ok"]
    finished = finished.assign(open=[bool(design.open_weights.get(m, False))
                                      for m in finished["model"]])
    out = []
    for protocol in [None, *design.order(set(finished["protocol"]))]:
        rows = finished if protocol is None else finished[finished["protocol"] == protocol]
        models = ordered(design.models, set(rows["model"]))
        open_models = [m for m in models if design.open_weights.get(m, False)]
        closed_models = [m for m in models if m not in open_models]
        quality, test = group_ratio(judged(rows), "q", True, "judged runs", Q_RANGE)
        cost, _ = group_ratio(rows, "cost_usd", False, "finished runs", (0.0, None))
        out.append(OpenClosedFinding(protocol, open_models, closed_models, quality, test, cost,
                                     list_price_ratio(open_models, closed_models, design)))
    return out


def complexity_results(frame: pd.DataFrame, design: Design) -> list[ComplexityFinding]:
    """Q by level and the L1 -> L4 drop, pooled and per protocol."""
    rows = judged(frame)[["task_id", "protocol", "level", "q"]]
    out = [ComplexityFinding(None, level_drop(rows))]
    out.extend(ComplexityFinding(p, level_drop(rows[rows["protocol"] == p]))
               for p in design.order(set(rows["protocol"])))
    return out
