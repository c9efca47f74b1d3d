"""Scaling with the number of agents N (docs/study.md section 7, "Scaling").

Kruskal-Wallis of Q across N (the paper's test), OLS of Q on log2 N (the trend the Kruskal test
cannot show) and the cost exponent b of cost ~ N^b from OLS of ln cost on ln N. When the data
have a task_id column, replicates are averaged per (N, task) first (`task_means`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats as st

from selforg.analysis.result import Stat, finite_or_none, not_computable
from selforg.analysis.stats_basic import is_constant, require_finite, task_means


def ols(x: np.ndarray, y: np.ndarray, test: str, note: str = "") -> Stat:
    """Slope of the OLS line y = a + b x with its t-based 95% CI and two-sided p (b = 0).

    Not computable with fewer than 3 points (no residual degrees of freedom), fewer than 2
    distinct x, or a constant y (the p-value is undefined). extra holds intercept, r2, stderr
    and df = n - 2.
    """
    n = int(x.size)
    if n < 3:
        return not_computable("fewer than 3 observations", n=n, test=test)
    if np.unique(x).size < 2:
        return not_computable("fewer than 2 distinct values of N", n=n, test=test)
    if is_constant(y):
        return not_computable("zero variance in the response", n=n, test=test)
    fit = st.linregress(x, y)
    slope, stderr = float(fit.slope), float(fit.stderr)
    half = float(st.t.ppf(0.975, n - 2)) * stderr
    stat = Stat(
        value=finite_or_none(slope),
        ci_low=finite_or_none(slope - half),
        ci_high=finite_or_none(slope + half),
        p=finite_or_none(fit.pvalue),
        n=n,
        test=test,
        note=note,
        extra={
            "intercept": finite_or_none(fit.intercept),
            "r2": finite_or_none(fit.rvalue**2),
            "stderr": finite_or_none(stderr),
            "df": n - 2,
        },
    )
    return require_finite(stat, "scipy returned no finite slope")


def _dropped(count: int, what: str) -> str:
    return f"{count} rows with {what} dropped" if count else ""


def kruskal_by_n(df: pd.DataFrame, value: str = "q", n: str = "n_agents") -> Stat:
    """Kruskal-Wallis H test of `value` across the groups of `n` (scipy.stats.kruskal).

    value is H, p its chi-square p-value (tie-corrected). Not computable with fewer than 2
    groups or when every value is identical. extra["groups"] maps each N to its sample size.
    """
    test = "Kruskal-Wallis H"
    data, dropped = task_means(df, [n], value)
    groups = {str(k): g[value].to_numpy() for k, g in data.groupby(n, sort=True)}
    size = len(data)
    if len(groups) < 2:
        return not_computable("fewer than 2 values of N with data", n=size, test=test)
    if np.unique(data[value].to_numpy()).size < 2:
        return not_computable("all values are identical", n=size, test=test)
    result = st.kruskal(*groups.values())
    stat = Stat(
        value=finite_or_none(result.statistic),
        p=finite_or_none(result.pvalue),
        n=size,
        test=test,
        note=_dropped(dropped, f"non-finite {value}"),
        extra={"df": len(groups) - 1, "groups": {k: int(v.size) for k, v in groups.items()}},
    )
    return require_finite(stat, "scipy returned no finite H")


def log2_slope(df: pd.DataFrame, value: str = "q", n: str = "n_agents") -> Stat:
    """OLS slope of `value` on log2 N: the change in Q per doubling of the team.

    Rows with N < 1 cannot be logged and are dropped with a note.
    """
    data, dropped = task_means(df, [n], value)
    sizes = data[n].astype(float).to_numpy()
    keep = sizes >= 1
    note = _dropped(dropped, f"non-finite {value}")
    if (~keep).any():
        note = "; ".join(s for s in (note, _dropped(int((~keep).sum()), "N < 1")) if s)
    return ols(
        np.log2(sizes[keep]), data[value].to_numpy()[keep], f"OLS of {value} on log2 N", note
    )


def cost_exponent(df: pd.DataFrame, cost: str = "cost_usd", n: str = "n_agents") -> Stat:
    """Cost exponent b of cost ~ N^b: OLS slope of ln cost on ln N, with 95% CI and p (b = 0).

    extra["sublinear"] is True when the CI lies below 1 (ci_high < 1), False when it does not,
    None when there is no CI. Rows with cost <= 0 (local models cost nothing in USD) or N < 1
    cannot be logged and are dropped with a note: pass a token count as `cost` for them.
    """
    data, dropped = task_means(df, [n], cost)
    values = data[cost].to_numpy()
    sizes = data[n].astype(float).to_numpy()
    keep = (values > 0) & (sizes >= 1)
    notes = [_dropped(dropped, f"non-finite {cost}"), _dropped(int((~keep).sum()), "cost <= 0")]
    fit = ols(
        np.log(sizes[keep]),
        np.log(values[keep]),
        f"OLS of ln {cost} on ln N",
        "; ".join(s for s in notes if s),
    )
    sublinear = None if fit.ci_high is None else fit.ci_high < 1
    return replace(fit, extra=fit.extra | {"sublinear": sublinear})


def scaling(
    df: pd.DataFrame, value: str = "q", cost: str = "cost_usd", n: str = "n_agents"
) -> dict[str, Stat]:
    """All three scaling statistics of one setting: kruskal, log2_slope and cost_exponent."""
    return {
        "kruskal": kruskal_by_n(df, value, n),
        "log2_slope": log2_slope(df, value, n),
        "cost_exponent": cost_exponent(df, cost, n),
    }

