"""Scaling with the number of agents N (docs/study.md section 7, "Scaling").

The same tasks run at every N, so the task is the block: the slope of Q per doubling of N is
an OLS fit with a fixed effect (intercept) per task, Friedman tests Q across N with tasks as
blocks, and the cost exponent b of cost ~ N^b is the same task-blocked fit of ln cost on ln N.
Treating the N groups as independent (Kruskal-Wallis, a plain OLS) leaves the task-to-task
spread in the error term and misses most real trends; Kruskal-Wallis is kept only because it is
the reference study's test, and is labelled so. Replicates are averaged per (N, task) first
(`task_means`); without a task_id column there is nothing to block on and the fits are plain OLS.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats as st

from selforg.analysis.result import Stat, finite_or_none, not_computable
from selforg.analysis.stats_basic import cannot_reach, is_constant, require_finite, t975, task_means
from selforg.analysis.stats_compare import friedman_floor

KRUSKAL_TEST = "Kruskal-Wallis H (the reference study's test; ignores the task blocks)"
FRIEDMAN_TEST = "Friedman across N (tasks as blocks)"


def ols(x: np.ndarray, y: np.ndarray, test: str, note: str = "",
        blocks: np.ndarray | None = None) -> Stat:
    """Slope of y on x by OLS with a t-based 95% CI and two-sided p (slope = 0).

    blocks: one label per observation (the task); each block gets its own intercept (task
    fixed effects), so the slope is estimated from within-task variation only. By the
    Frisch-Waugh-Lovell theorem that is the OLS slope of the within-block deviations of y on
    those of x, with n - blocks - 1 residual df. Blocks observed at a single x carry no
    information about the slope and are left out (counted in extra["blocks_dropped"]).
    n is the number of blocks used (tasks), or of observations without blocks. Not computable
    without residual degrees of freedom, with fewer than 2 distinct x or with no variation of
    y left. extra holds stderr, df, n_obs, and with blocks residual_sd (the SD within tasks) and
    spread (the mean over tasks of the sum of squared deviations of x), without them intercept
    and r2.
    """
    if blocks is None:
        return _plain_ols(x, y, test, note)
    frame = pd.DataFrame({"x": x, "y": y, "block": blocks})
    spread = frame.groupby("block")["x"].transform("nunique")
    informative = frame[spread >= 2]
    blocks_dropped = int(frame["block"].nunique() - informative["block"].nunique())
    n_blocks, n_obs = int(informative["block"].nunique()), len(informative)
    extra: dict[str, object] = {"n_obs": n_obs, "blocks_dropped": blocks_dropped}
    if np.unique(x).size < 2:
        return not_computable("fewer than 2 distinct values of N", n=n_blocks, test=test)
    if n_blocks == 0:
        return not_computable("no task ran at 2 or more values of N", n=0, test=test)
    df = n_obs - n_blocks - 1
    if df < 1:
        return not_computable(f"no residual degrees of freedom ({n_obs} task x N means over "
                              f"{n_blocks} tasks)", n=n_blocks, test=test)
    centred = informative[["x", "y"]] - informative.groupby("block")[["x", "y"]].transform("mean")
    xc, yc = centred["x"].to_numpy(), centred["y"].to_numpy()
    if is_constant(yc):
        return not_computable("no variation of the response within tasks", n=n_blocks,
                              test=test)
    sxx = float(xc @ xc)
    slope = float(xc @ yc) / sxx
    residual = yc - slope * xc
    if is_constant(residual) and abs(float(residual.mean())) < 1e-12:
        return not_computable("the fit is exact: no residual variance to test against",
                              n=n_blocks, test=test)
    residual_sd = math.sqrt(float(residual @ residual) / df)
    extra |= {"residual_sd": residual_sd, "spread": sxx / n_blocks}
    return _slope_stat(slope, residual_sd / math.sqrt(sxx), df, n_blocks, test, note, extra)


def _slope_stat(slope: float, stderr: float, df: int, n: int, test: str, note: str,
                extra: Mapping[str, object]) -> Stat:
    """The Stat of a slope: t-based CI and two-sided p from its standard error."""
    half = t975(df) * stderr
    t_value = slope / stderr if stderr > 0 else math.copysign(math.inf, slope)
    stat = Stat(
        value=finite_or_none(slope),
        ci_low=finite_or_none(slope - half),
        ci_high=finite_or_none(slope + half),
        p=finite_or_none(2 * st.t.sf(abs(t_value), df)),
        n=n,
        test=test,
        note=note,
        extra={"stderr": stderr, "df": df, **extra},
    )
    return require_finite(stat, "no finite slope or p-value")


def _plain_ols(x: np.ndarray, y: np.ndarray, test: str, note: str) -> Stat:
    """OLS line y = a + b x without blocks (scipy.stats.linregress)."""
    n = int(x.size)
    if n < 3:
        return not_computable("fewer than 3 observations", n=n, test=test)
    if np.unique(x).size < 2:
        return not_computable("fewer than 2 distinct values of N", n=n, test=test)
    if is_constant(y):
        return not_computable("zero variance in the response", n=n, test=test)
    fit = st.linregress(x, y)
    extra = {"n_obs": n, "intercept": finite_or_none(fit.intercept),
             "r2": finite_or_none(fit.rvalue**2)}
    return _slope_stat(float(fit.slope), float(fit.stderr), n - 2, n, test, note, extra)


def _dropped(count: int, what: str) -> str:
    return f"{count} rows with {what} dropped" if count else ""


def _blocks(data: pd.DataFrame) -> np.ndarray | None:
    return data["task_id"].to_numpy() if "task_id" in data else None


def _fit_label(what: str, blocked: bool) -> str:
    return f"OLS of {what}" + (" with task fixed effects" if blocked else " (no task blocks)")


def kruskal_floor(sizes: list[int]) -> float:
    """A lower bound on the smallest p-value of the exact Kruskal-Wallis test for group sizes.

    The largest H puts each group in one block of consecutive ranks; of the N! / prod(n_i!)
    equally likely arrangements, at least 2 (a block order and its reverse) and at least
    prod over equal sizes of (count)! reach it. The bound is exact for equal group sizes.
    """
    log_arrangements = math.lgamma(sum(sizes) + 1) - sum(math.lgamma(s + 1) for s in sizes)
    log_equal = sum(math.lgamma(sizes.count(s) + 1) for s in set(sizes))
    return min(1.0, math.exp(max(math.log(2), log_equal) - log_arrangements))


def kruskal_by_n(df: pd.DataFrame, value: str = "q", n: str = "n_agents") -> Stat:
    """Kruskal-Wallis H test of `value` across the groups of `n` (scipy.stats.kruskal).

    The reference study's test of "no change with N", kept so the two can be compared; it
    treats the N groups as independent although they hold the same tasks, so it is not the
    study's test of scaling (`log2_slope`, `friedman_by_n`). value is H, p its chi-square
    p-value (tie-corrected). Not computable with fewer than 2 groups, when every value is
    identical, or when the exact test could not reach alpha with these group sizes.
    extra["groups"] maps each N to its sample size.
    """
    data, dropped = task_means(df, [n], value)
    groups = {str(k): g[value].to_numpy() for k, g in data.groupby(n, sort=True)}
    size = len(data)
    if len(groups) < 2:
        return not_computable("fewer than 2 values of N with data", n=size, test=KRUSKAL_TEST)
    if np.unique(data[value].to_numpy()).size < 2:
        return not_computable("all values are identical", n=size, test=KRUSKAL_TEST)
    floor = cannot_reach(kruskal_floor([v.size for v in groups.values()]), size, KRUSKAL_TEST,
                         "task x N means")
    if floor is not None:
        return floor
    result = st.kruskal(*groups.values())
    stat = Stat(
        value=finite_or_none(result.statistic),
        p=finite_or_none(result.pvalue),
        n=size,
        test=KRUSKAL_TEST,
        note=_dropped(dropped, f"non-finite {value}"),
        extra={"df": len(groups) - 1, "groups": {k: int(v.size) for k, v in groups.items()}},
    )
    return require_finite(stat, "scipy returned no finite H")


def friedman_by_n(df: pd.DataFrame, value: str = "q", n: str = "n_agents") -> Stat:
    """Friedman test of `value` across N with tasks as blocks (scipy.stats.friedmanchisquare).

    Uses the tasks that ran at every N (complete blocks; the others are counted in the note).
    value is the chi-square statistic, p its p-value, n the number of tasks. Not computable
    with fewer than 3 values of N (with 2, the task-blocked slope is the paired comparison),
    fewer than 2 complete tasks, every task tied across N, or when the exact test could not
    reach alpha at this number of tasks.
    """
    if "task_id" not in df:
        return not_computable("no task_id: nothing to block on", test=FRIEDMAN_TEST)
    data, _ = task_means(df, [n], value)
    wide = data.pivot(index="task_id", columns=n, values=value)
    k = wide.shape[1]
    complete = wide.dropna()
    left_out = len(wide) - len(complete)
    note = f"{left_out} task(s) not run at every N left out" if left_out else ""
    size = len(complete)
    if k < 3:
        return not_computable("Friedman needs 3 or more values of N (the task-blocked slope "
                              "covers 2)", n=size, test=FRIEDMAN_TEST)
    if size < 2:
        return not_computable("fewer than 2 tasks ran at every N", n=size, test=FRIEDMAN_TEST)
    if (complete.nunique(axis=1) == 1).all():
        return not_computable("every task has equal Q at every N", n=size, test=FRIEDMAN_TEST)
    floor = cannot_reach(friedman_floor(k, size), size, FRIEDMAN_TEST)
    if floor is not None:
        return floor
    result = st.friedmanchisquare(*(complete[c].to_numpy() for c in complete.columns))
    stat = Stat(value=finite_or_none(result.statistic), p=finite_or_none(result.pvalue),
                n=size, test=FRIEDMAN_TEST, note=note, extra={"df": k - 1})
    return require_finite(stat, "scipy returned no finite Friedman statistic")


def log2_slope(df: pd.DataFrame, value: str = "q", n: str = "n_agents") -> Stat:
    """Task-blocked OLS slope of `value` on log2 N: the change in Q per doubling of the team.

    Each task has its own intercept (`ols` with blocks), so the slope compares a task with
    itself at other N. Rows with N < 1 cannot be logged and are dropped with a note.
    """
    data, dropped = task_means(df, [n], value)
    sizes = data[n].astype(float).to_numpy()
    keep = sizes >= 1
    note = _dropped(dropped, f"non-finite {value}")
    if (~keep).any():
        note = "; ".join(s for s in (note, _dropped(int((~keep).sum()), "N < 1")) if s)
    blocks = _blocks(data)
    return ols(np.log2(sizes[keep]), data[value].to_numpy()[keep],
               _fit_label(f"{value} on log2 N", blocks is not None), note,
               None if blocks is None else blocks[keep])


def cost_exponent(df: pd.DataFrame, cost: str = "cost_usd", n: str = "n_agents") -> Stat:
    """Cost exponent b of cost ~ N^b: task-blocked OLS slope of ln cost on ln N, 95% CI, p (b = 0).

    extra["sublinear"] is True when the CI lies below 1 (ci_high < 1), False when it does not,
    None when there is no CI. Rows with cost <= 0 (local models cost nothing in USD) or N < 1
    cannot be logged and are dropped with a note: pass a token count as `cost` for them.
    """
    data, dropped = task_means(df, [n], cost)
    values = data[cost].to_numpy()
    sizes = data[n].astype(float).to_numpy()
    keep = (values > 0) & (sizes >= 1)
    notes = [_dropped(dropped, f"non-finite {cost}"), _dropped(int((~keep).sum()), "cost <= 0")]
    blocks = _blocks(data)
    fit = ols(np.log(sizes[keep]), np.log(values[keep]),
              _fit_label(f"ln {cost} on ln N", blocks is not None),
              "; ".join(s for s in notes if s), None if blocks is None else blocks[keep])
    sublinear = None if fit.ci_high is None else fit.ci_high < 1
    return replace(fit, extra=fit.extra | {"sublinear": sublinear})


def scaling(
    df: pd.DataFrame, value: str = "q", cost: str = "cost_usd", n: str = "n_agents"
) -> dict[str, Stat]:
    """Every scaling statistic of one scope: log2_slope, friedman, kruskal and cost_exponent."""
    return {
        "log2_slope": log2_slope(df, value, n),
        "friedman": friedman_by_n(df, value, n),
        "kruskal": kruskal_by_n(df, value, n),
        "cost_exponent": cost_exponent(df, cost, n),
    }
