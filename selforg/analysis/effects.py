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
    CapabilityResult,
    LevelDropResult,
    capability,
    cost_exponent,
    kruskal_by_n,
    level_drop,
    log2_slope,
    ratio_ci,
    task_means,
)

# fixed_roles is `sequential` with pre-assigned roles: the free-role structure it is tested
# against (docs/study.md section 2).
FREE_COUNTERPART = "sequential"
FIXED = "fixed_roles"
# The reference study's scaling test covers N = 64..256; the same range is tested apart here.
LARGE_N = 64


@dataclass(frozen=True)
class ScalingResult:
    """Q and cost against N for one scope (protocol and model, None = pooled).

    cost_unit: "cost_usd", or "tokens" when some run cost 0 USD (local models).
    """

    scope: str
    protocol: str | None
    model: str | None
    ns: list[int]
    kruskal: Stat
    slope: Stat
    cost: Stat
    cost_unit: str


@dataclass(frozen=True)
class CapabilityFinding:
    """Two-way ANOVA of Q on structure (free sequential vs fixed_roles) x model at one N."""

    n_agents: int | None
    models: list[str]
    result: CapabilityResult


@dataclass(frozen=True)
class OpenClosedFinding:
    """Open- vs closed-weight models within one protocol (None = all protocols pooled).

    quality_ratio: mean Q open / mean Q closed (task means, paired when the tasks match).
    cost_ratio: USD per run closed / open (how many times cheaper the open models ran).
    list_price_ratio: blended list price (mean of input and output USD per million tokens)
    closed / open, averaged over each group's models; None when a price is unknown or zero.
    """

    protocol: str | None
    open_models: list[str]
    closed_models: list[str]
    quality_ratio: Stat
    cost_ratio: Stat
    list_price_ratio: float | None


@dataclass(frozen=True)
class ComplexityFinding:
    """Q by level and the L1 -> L4 drop for one protocol (None = all protocols pooled)."""

    protocol: str | None
    result: LevelDropResult


def _scaling(rows: pd.DataFrame, finished: pd.DataFrame, scope: str, protocol: str | None,
             model: str | None) -> ScalingResult:
    """Kruskal-Wallis and log2 slope of Q, and the cost exponent, over one scope's runs."""
    unit = "cost_usd" if len(finished) and bool((finished["cost_usd"] > 0).all()) else "tokens"
    ns = sorted(int(n) for n in finished["n_agents"].unique())
    q = rows[["task_id", "n_agents", "q"]]
    return ScalingResult(scope, protocol, model, ns, kruskal_by_n(q), log2_slope(q),
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
    """Capability ANOVA with N pooled (task as block) and at each N both structures ran."""
    rows = judged(frame)
    rows = rows[rows["protocol"].isin([FREE_COUNTERPART, FIXED])]
    data = rows.assign(structure=rows["protocol"].map({FREE_COUNTERPART: "free", FIXED: FIXED}))
    data = data[["structure", "model", "q", "task_id", "n_agents"]]
    models = ordered(design.models, set(data["model"]))
    out = [CapabilityFinding(None, models, capability(data, n_boot=design.n_boot,
                                                     seed=design.seed))]
    both = sorted(set(data.loc[data["structure"] == "free", "n_agents"])
                  & set(data.loc[data["structure"] == FIXED, "n_agents"]))
    for n in both:
        at_n = data[data["n_agents"] == n]
        out.append(CapabilityFinding(int(n), ordered(design.models, set(at_n["model"])),
                                     capability(at_n, n_boot=design.n_boot, seed=design.seed)))
    return out


def _group_ratio(rows: pd.DataFrame, value: str, numerator: bool, design: Design,
                 test_note: str) -> Stat:
    """ratio_ci of task means between the open (numerator=True) and closed groups."""
    data, _ = task_means(rows, ["open"], value)
    open_, closed = data[data["open"]], data[~data["open"]]
    if open_.empty or closed.empty:
        missing = "open-weights" if open_.empty else "closed-weights"
        return not_computable(f"no {missing} model with {test_note}")
    paired = set(open_["task_id"]) == set(closed["task_id"])
    a, b = (open_, closed) if numerator else (closed, open_)
    a, b = a.sort_values("task_id")[value], b.sort_values("task_id")[value]
    if float(b.abs().sum()) == 0:
        which = "closed" if numerator else "open"
        return not_computable(f"{value} of the {which}-weights models is 0 on every task "
                              "(local or free provider): the ratio is unbounded")
    return ratio_ci(a.to_numpy(), b.to_numpy(), paired=paired, n_boot=design.n_boot,
                    seed=design.seed)


def _list_price_ratio(open_models: list[str], closed_models: list[str],
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
        out.append(OpenClosedFinding(
            protocol, open_models, closed_models,
            _group_ratio(judged(rows), "q", True, design, "judged runs"),
            _group_ratio(rows, "cost_usd", False, design, "finished runs"),
            _list_price_ratio(open_models, closed_models, design)))
    return out


def complexity_results(frame: pd.DataFrame, design: Design) -> list[ComplexityFinding]:
    """Q by level and the L1 -> L4 drop, pooled and per protocol."""
    rows = judged(frame)[["task_id", "protocol", "level", "q"]]
    out = [ComplexityFinding(None, level_drop(rows, n_boot=design.n_boot, seed=design.seed))]
    out.extend(ComplexityFinding(p, level_drop(rows[rows["protocol"] == p],
                                               n_boot=design.n_boot, seed=design.seed))
               for p in design.order(set(rows["protocol"])))
    return out
