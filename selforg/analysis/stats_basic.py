"""Elementary estimates: means, proportions, ratios, Cohen's d, Holm and BH, power, reach.

Every estimate returns a `Stat`; one that cannot be computed (too few values, zero variance, a
zero denominator) is `not_computable(reason)`, never an exception and never a made-up number.
Non-finite inputs (NaN, inf) are dropped first and the count dropped is noted; paired inputs drop
the whole pair. All confidence intervals are 95% and hold their coverage at the n used (t,
Fieller, noncentral t, Wilson: exact or near-exact for normal data at any n, unlike a percentile
bootstrap of a few tasks); where the quantity has a range (Q in [0.25, 1], a share in [0, 1]) the
interval stays inside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special
from scipy import stats as st

from selforg.analysis.result import Stat, finite_or_none, not_computable

# The significance level of every test and power calculation of the study.
ALPHA = 0.05
# (low, high) bounds of a quantity; None = unbounded on that side.
Range = tuple[float | None, float | None]
NO_RANGE: Range = (None, None)
# Why an estimate of values that are all equal has no interval.
ZERO_SPREAD = "every value is equal: no spread observed, so no interval"
# Judged quality Q = (four 1-4 scores) / 16 and mission relevance M = score / 4.
Q_RANGE: Range = (0.25, 1.0)
SHARE_RANGE: Range = (0.0, 1.0)


def finite(values: npt.ArrayLike) -> tuple[np.ndarray, int]:
    """The finite values as a float array, and how many non-finite ones were dropped."""
    x = np.asarray(values, dtype=float).ravel()
    keep = np.isfinite(x)
    return x[keep], int((~keep).sum())


def finite_pairs(a: npt.ArrayLike, b: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray, int] | None:
    """Pairs with both values finite, and the number of pairs dropped; None if lengths differ."""
    x = np.asarray(a, dtype=float).ravel()
    y = np.asarray(b, dtype=float).ravel()
    if x.size != y.size:
        return None
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep], int((~keep).sum())


def is_constant(values: np.ndarray) -> bool:
    """True when all values are equal up to float rounding (relative 1e-12).

    An exact `var == 0` misses constants whose mean carries a rounding error (0.7 sixty times
    has variance 1e-32), and dividing by that variance would make a huge effect out of nothing.
    """
    if values.size == 0:
        return False
    return float(np.ptp(values)) <= 1e-12 * max(1.0, float(np.abs(values).max()))


def dropped_note(dropped: int, what: str = "values") -> str:
    """The caveat printed when non-finite inputs were left out."""
    return f"{dropped} non-finite {what} dropped" if dropped else ""


def require_finite(test: Stat, reason: str) -> Stat:
    """`test` if scipy / pingouin gave a finite statistic and p, else not computable (`reason`).

    Guards catch the known degenerate cases up front; this catches the rest (a library that
    returns NaN instead of raising), so no result is ever a value-less Stat without a reason.
    """
    if test.value is None or test.p is None:
        return not_computable(reason, n=test.n, test=test.test)
    return test


def task_means(df: pd.DataFrame, groups: Sequence[str], value: str) -> tuple[pd.DataFrame, int]:
    """Rows with a finite `value`, averaged per task within each group; and how many were dropped.

    Replicates of one task in one group are not independent observations, so when `df` has a
    task_id column the unit of analysis is the task: one row per (groups, task_id) holding the
    mean over replicates. Without task_id the rows are returned as they are.
    """
    numbers = pd.to_numeric(df[value], errors="coerce").astype(float)
    keep = np.isfinite(numbers.to_numpy())
    data = df.loc[keep, [*groups, *(["task_id"] if "task_id" in df else [])]].copy()
    data[value] = numbers[keep].to_numpy()
    keys = [*groups, "task_id"]
    # a groupby costs milliseconds even on a few rows; most settings have one run per task
    if "task_id" in data and data.duplicated(keys).any():
        data = data.groupby(keys, as_index=False, dropna=False)[value].mean()
    return data.reset_index(drop=True), int((~keep).sum())


@lru_cache(maxsize=4096)
def t975(df: float) -> float:
    """t(0.975, df), memoised: scipy's ppf costs ~0.1 ms and the analysis asks for the same
    few degrees of freedom tens of thousands of times."""
    return float(st.t.ppf(0.975, df))


def _bounded(low: float, high: float, value_range: Range) -> tuple[float, float, bool]:
    """(low, high) intersected with the range of possible values, and whether it was cut."""
    lo, hi = value_range
    new_low = low if lo is None else max(low, lo)
    new_high = high if hi is None else min(high, hi)
    return new_low, new_high, (new_low, new_high) != (low, high)


def _range_text(value_range: Range) -> str:
    lo, hi = value_range
    if lo is None and hi is None:
        return ""
    return f", within [{'-inf' if lo is None else f'{lo:g}'}, {'inf' if hi is None else f'{hi:g}'}]"


def mean_ci(values: npt.ArrayLike, value_range: Range = NO_RANGE) -> Stat:
    """Mean with a t-based 95% CI: mean +/- t(0.975, n - 1) * sd / sqrt(n), kept in range.

    value_range: the values a single observation can take (Q in [0.25, 1], a share in [0, 1]);
    the interval is intersected with it, which never lowers its coverage (the true mean lies
    in the range) and keeps it from claiming the impossible. Not computable with fewer than 2
    finite values (no CI exists; a single value is kept in extra["mean"]). When every value is
    equal the mean has no interval (a zero-width one would claim a certainty that two tied
    judge scores do not give), with a note.
    """
    test = "mean, t-based 95% CI" + _range_text(value_range)
    x, dropped = finite(values)
    if x.size == 0:
        return not_computable("no finite values", test=test)
    mean = float(x.mean())
    if x.size < 2:
        reason = "a CI needs at least 2 values"
        return Stat(value=None, n=1, test=test, note=reason, extra={"mean": mean})
    if is_constant(x):
        return Stat(value=mean, n=int(x.size), test=test, extra={"sd": 0.0},
                    note="; ".join(n for n in (dropped_note(dropped), ZERO_SPREAD) if n))
    sd = float(x.std(ddof=1))
    half = t975(x.size - 1) * sd / math.sqrt(x.size)
    low, high, _ = _bounded(mean - half, mean + half, value_range)
    return Stat(
        value=mean,
        ci_low=low,
        ci_high=high,
        n=int(x.size),
        test=test,
        note=dropped_note(dropped),
        extra={"sd": sd},
    )


def proportion_ci(successes: int, trials: int) -> Stat:
    """A proportion k / n with the Wilson score 95% interval (inside [0, 1] by construction).

    Wilson rather than the Wald interval: Wald collapses to zero width at 0 or n successes and
    undercovers at small n. Not computable without trials.
    """
    test = "proportion, Wilson score 95% CI"
    if trials <= 0:
        return not_computable("no trials", test=test)
    if not 0 <= successes <= trials:
        raise ValueError("successes must lie in [0, trials]")
    z = float(st.norm.ppf(0.975))
    share = successes / trials
    centre = (share + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials))
    half /= 1 + z * z / trials
    return Stat(value=share, ci_low=max(0.0, centre - half), ci_high=min(1.0, centre + half),
                n=trials, test=test, extra={"successes": successes})


def ratio_range(value_range: Range) -> Range:
    """The range of mean(a) / mean(b) when every value lies in `value_range` (lo >= 0)."""
    lo, hi = value_range
    if lo is None or lo < 0:
        return NO_RANGE
    if lo == 0:
        return (0.0, None)
    return (lo / hi if hi is not None else 0.0, None if hi is None else hi / lo)


def _fieller(x: np.ndarray, y: np.ndarray, paired: bool) -> tuple[float, float] | None:
    """Fieller's 95% interval for mean(x) / mean(y), None when it is unbounded.

    The interval is every ratio r for which the t-test of mean(x) - r mean(y) = 0 does not
    reject: (mean(x) - r mean(y))^2 <= t^2 Var(mean(x) - r mean(y)). Paired: the variance uses
    the sample covariance and df = n - 1, which makes the interval exact for normal pairs at any
    n. Independent: no covariance, Welch-Satterthwaite df at the estimate. Unbounded when
    mean(y) itself is not distinguishable from 0 at this n (the leading coefficient is <= 0).
    """
    mx, my = float(x.mean()), float(y.mean())
    if paired:
        n = x.size
        cov = np.cov(x, y, ddof=1) / n
        vx, vy, cxy = float(cov[0, 0]), float(cov[1, 1]), float(cov[0, 1])
        df = float(n - 1)
    else:
        vx, vy, cxy = float(x.var(ddof=1)) / x.size, float(y.var(ddof=1)) / y.size, 0.0
        r = mx / my
        spread = vx**2 / (x.size - 1) + r**4 * vy**2 / (y.size - 1)
        df = (vx + r * r * vy) ** 2 / spread if spread > 0 else float(x.size + y.size - 2)
    t2 = t975(round(df, 6)) ** 2
    a = my * my - t2 * vy
    b = -2.0 * (mx * my - t2 * cxy)
    c = mx * mx - t2 * vx
    if a <= 0:
        return None
    root = math.sqrt(max(0.0, b * b - 4 * a * c))
    return (-b - root) / (2 * a), (-b + root) / (2 * a)


def _ratio(
    a: npt.ArrayLike, b: npt.ArrayLike, paired: bool, value_range: Range, shift: float
) -> Stat:
    """mean(a) / mean(b) + shift with Fieller's 95% CI (shared by ratio_ci and rel_diff)."""
    test = ("Fieller 95% CI, " + ("paired, t with n - 1 df" if paired
                                  else "independent, Welch df") + _range_text(value_range))
    if paired:
        pairs = finite_pairs(a, b)
        if pairs is None:
            return not_computable("paired samples of unequal length", test=test)
        x, y, dropped = pairs
        note = dropped_note(dropped, "pairs")
    else:
        (x, dropped_a), (y, dropped_b) = finite(a), finite(b)
        note = dropped_note(dropped_a + dropped_b)
    n = int(x.size) if paired else int(x.size + y.size)
    if min(x.size, y.size) < 2:
        return not_computable("fewer than 2 finite values in a sample", n=n, test=test)
    mean_b = float(y.mean())
    if mean_b == 0:
        return not_computable("the mean of the reference sample is 0", n=n, test=test)
    value = float(x.mean()) / mean_b
    extra: dict[str, Any] = {"mean_a": float(x.mean()), "mean_b": mean_b,
                             "n_a": int(x.size), "n_b": int(y.size)}
    notes = [note]
    bounds = ratio_range(value_range)
    interval = _fieller(x, y, paired)
    if interval is None and bounds[0] is not None and bounds[1] is not None:
        interval = (bounds[0], bounds[1])
        notes.append(f"at n = {n} the interval is unbounded (mean(b) is not distinguishable "
                     "from 0): shown as the whole range of possible ratios")
    elif interval is None:
        notes.append(f"at n = {n} the interval is unbounded (mean(b) is not distinguishable "
                     "from 0)")
    low = high = None
    if is_constant(x) and is_constant(y):
        notes.append(ZERO_SPREAD)
        interval = None
    if interval is not None:
        low, high, _ = _bounded(*interval, bounds)
        low, high = low + shift, high + shift
    return Stat(value=value + shift, ci_low=low, ci_high=high, n=n, test=test,
                note="; ".join(s for s in notes if s), extra=extra)


def rel_diff(a: npt.ArrayLike, b: npt.ArrayLike, paired: bool,
             value_range: Range = NO_RANGE) -> Stat:
    """Relative difference mean(a) / mean(b) - 1 (0.14 = a is 14% above b), Fieller 95% CI.

    Fieller's interval (`_fieller`) is exact for normal data at any sample size, where a
    percentile bootstrap of a few tasks covers far less than 95%. Paired samples (a[i] and b[i]
    from the same task) use the covariance of the pairs; independent ones Welch's df. The CI is
    kept within the ratios `value_range` allows (Q in [0.25, 1]: a ratio in [0.25, 4]). Not
    computable with fewer than 2 values in a sample, unequal paired lengths, or mean(b) = 0.
    """
    return _ratio(a, b, paired, value_range, shift=-1.0)


def ratio_ci(a: npt.ArrayLike, b: npt.ArrayLike, paired: bool = False,
             value_range: Range = NO_RANGE) -> Stat:
    """Ratio of means mean(a) / mean(b) (open vs closed quality or price), Fieller 95% CI.

    Same interval and guards as `rel_diff`, of which it is the value plus 1.
    """
    return _ratio(a, b, paired, value_range, shift=0.0)


def _noncentral_ci(t_value: float, df: float, scale: float) -> tuple[float, float]:
    """95% CI of an effect delta whose t statistic is noncentral t(df, delta / scale).

    Inverts the noncentral t in its noncentrality (scipy.special.nctdtrinc, cdflib): the
    interval is exact for normal data at any n.
    """
    low = float(special.nctdtrinc(df, 0.975, t_value))
    high = float(special.nctdtrinc(df, 0.025, t_value))
    return low * scale, high * scale


def cohens_d(a: npt.ArrayLike, b: npt.ArrayLike, paired: bool = False) -> Stat:
    """Standardised mean difference of a over b, with an exact 95% CI (noncentral t).

    Independent: d = (mean(a) - mean(b)) / s_pooled, s_pooled^2 = ((n_a - 1) s_a^2 +
    (n_b - 1) s_b^2) / (n_a + n_b - 2), the between-group d the reference study reports.
    Paired: d_z = mean(a - b) / sd(a - b). CI: d sqrt(n_a n_b / (n_a + n_b)) (independent) or
    d_z sqrt(n) (paired) is a noncentral t with n_a + n_b - 2 (n - 1) df, inverted in its
    noncentrality: exact for normal data (equal variances for d) at any n, where the usual
    normal approximation is far too narrow at a few tasks. No small-sample bias correction.
    Not computable with fewer than 2 values (pairs) or zero variance.
    """
    method = "exact CI by inverting the noncentral t"
    if paired:
        test = f"Cohen's d_z (paired), {method}"
        pairs = finite_pairs(a, b)
        if pairs is None:
            return not_computable("paired samples of unequal length", test=test)
        x, y, dropped = pairs
        diff = x - y
        n = int(diff.size)
        if n < 2:
            return not_computable("fewer than 2 pairs", n=n, test=test)
        if is_constant(diff):
            return not_computable("the paired differences have zero variance", n=n, test=test)
        d = float(diff.mean()) / float(diff.std(ddof=1))
        scale, df = 1 / math.sqrt(n), n - 1
        note = dropped_note(dropped, "pairs")
    else:
        test = f"Cohen's d (pooled SD), {method}"
        (x, dropped_a), (y, dropped_b) = finite(a), finite(b)
        n_a, n_b = int(x.size), int(y.size)
        n = n_a + n_b
        if min(n_a, n_b) < 2:
            return not_computable("fewer than 2 finite values in a sample", n=n, test=test)
        if is_constant(x) and is_constant(y):
            return not_computable("both samples have zero variance", n=n, test=test)
        pooled = math.sqrt(
            ((n_a - 1) * x.var(ddof=1) + (n_b - 1) * y.var(ddof=1)) / (n_a + n_b - 2)
        )
        d = (float(x.mean()) - float(y.mean())) / pooled
        scale, df = math.sqrt(1 / n_a + 1 / n_b), n - 2
        note = dropped_note(dropped_a + dropped_b)
    low, high = _noncentral_ci(d / scale, df, scale)
    return Stat(value=d, ci_low=finite_or_none(low), ci_high=finite_or_none(high), n=n,
                test=test, note=note)


def welch_t(a: npt.ArrayLike, b: npt.ArrayLike) -> Stat:
    """Welch's two-sample t-test of mean(a) = mean(b): value is t, p two-sided.

    Not computable with fewer than 2 values in a sample or when both have zero variance.
    """
    test = "Welch's t-test"
    (x, dropped_a), (y, dropped_b) = finite(a), finite(b)
    n = int(x.size + y.size)
    if min(x.size, y.size) < 2:
        return not_computable("fewer than 2 finite values in a sample", n=n, test=test)
    if is_constant(x) and is_constant(y):
        return not_computable("both samples have zero variance", n=n, test=test)
    result = st.ttest_ind(x, y, equal_var=False)
    stat = Stat(
        value=finite_or_none(result.statistic),
        p=finite_or_none(result.pvalue),
        n=n,
        test=test,
        note=dropped_note(dropped_a + dropped_b),
        extra={"df": finite_or_none(result.df)},
    )
    return require_finite(stat, "scipy returned no finite t")


def paired_t(a: npt.ArrayLike, b: npt.ArrayLike) -> Stat:
    """Paired t-test of mean(a - b) = 0 over pairs (scipy.stats.ttest_rel): value t, p.

    Not computable with unequal lengths, fewer than 2 pairs or constant differences.
    """
    test = "paired t-test"
    pairs = finite_pairs(a, b)
    if pairs is None:
        return not_computable("paired samples of unequal length", test=test)
    x, y, dropped = pairs
    n = int(x.size)
    if n < 2:
        return not_computable("fewer than 2 pairs", n=n, test=test)
    if is_constant(x - y):
        return not_computable("the paired differences have zero variance", n=n, test=test)
    result = st.ttest_rel(x, y)
    stat = Stat(value=finite_or_none(result.statistic), p=finite_or_none(result.pvalue), n=n,
                test=test, note=dropped_note(dropped, "pairs"), extra={"df": n - 1})
    return require_finite(stat, "scipy returned no finite t")


def holm(pvalues: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjustment of a family of p-values, in the input order.

    With the m valid p-values sorted ascending, p_(1) <= ... <= p_(m), the adjusted value is
    max over j <= i of min(1, (m - j + 1) p_(j)). None or NaN entries are not tests: they are
    left out of the family (m counts only valid p-values) and come back as None. A p-value
    outside [0, 1] is a caller's bug and raises ValueError.
    """
    valid = [(i, float(p)) for i, p in enumerate(pvalues) if p is not None and math.isfinite(p)]
    if any(not 0.0 <= p <= 1.0 for _, p in valid):
        raise ValueError("p-values must lie in [0, 1]")
    adjusted: list[float | None] = [None] * len(pvalues)
    m = len(valid)
    running = 0.0
    for rank, (i, p) in enumerate(sorted(valid, key=lambda item: item[1])):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted


def benjamini_hochberg(pvalues: Sequence[float | None]) -> list[float | None]:
    """Benjamini-Hochberg adjusted p-values (false discovery rate), in the input order.

    With the m valid p-values sorted ascending, p_(1) <= ... <= p_(m), the adjusted value is
    min over j >= i of min(1, m p_(j) / j). None or NaN entries are not tests, as in `holm`.
    """
    valid = [(i, float(p)) for i, p in enumerate(pvalues) if p is not None and math.isfinite(p)]
    if any(not 0.0 <= p <= 1.0 for _, p in valid):
        raise ValueError("p-values must lie in [0, 1]")
    adjusted: list[float | None] = [None] * len(pvalues)
    m = len(valid)
    running = 1.0
    ranked = sorted(valid, key=lambda item: item[1])
    for rank in range(m, 0, -1):
        i, p = ranked[rank - 1]
        running = min(running, min(1.0, m * p / rank))
        adjusted[i] = running
    return adjusted


def cannot_reach(smallest_p: float, n: int, test: str, what: str = "tasks") -> Stat | None:
    """Not computable when the smallest p-value `test` can give at this n exceeds ALPHA.

    An exact rank test over a handful of tasks has a floor on its p-value (a two-sided
    Wilcoxon over 2 tasks cannot go below 0.5): printed as a test it would look like evidence
    of no difference. None when the test can reach ALPHA.
    """
    if smallest_p <= ALPHA:
        return None
    return not_computable(f"cannot reach alpha = {ALPHA} at n = {n} {what}: its smallest "
                          f"p-value is {smallest_p:.3g}", n=n, test=test)


def min_detectable_effect(
    n1: int, n2: int, paired: bool, alpha: float = 0.05, power: float = 0.8
) -> Stat:
    """Smallest standardised effect (Cohen's d) a two-sided t-test detects with `power`.

    Solved exactly on the noncentral t distribution by pingouin: power_ttest(contrast="paired",
    n = n1 pairs) when paired (n1 must equal n2), power_ttest2n(nx = n1, ny = n2) otherwise.
    Not computable with fewer than 2 observations per sample (pairs) or when the solver fails.
    """
    import pingouin as pg

    kind = "paired" if paired else "two-sample"
    test = f"power analysis, {kind} t-test, alpha = {alpha}, power = {power}"
    if paired and n1 != n2:
        return not_computable("paired samples of unequal size", n=n1, test=test)
    n = n1 if paired else n1 + n2
    if min(n1, n2) < 2:
        return not_computable("fewer than 2 observations per sample", n=n, test=test)
    try:
        if paired:
            d = pg.power_ttest(d=None, n=n1, power=power, alpha=alpha, contrast="paired")
        else:
            d = pg.power_ttest2n(nx=n1, ny=n2, d=None, power=power, alpha=alpha)
    except (ValueError, RuntimeError) as error:
        return not_computable(f"power solver failed: {error}", n=n, test=test)
    value = finite_or_none(d)
    if value is None:
        return not_computable("power solver found no effect size", n=n, test=test)
    return Stat(value=value, n=n, test=test, extra={"alpha": alpha, "power": power})
