"""Elementary estimates: mean with CI, ratios and relative differences, Cohen's d, Holm, power.

Every estimate returns a `Stat`; one that cannot be computed (too few values, zero variance, a
zero denominator) is `not_computable(reason)`, never an exception and never a made-up number.
Non-finite inputs (NaN, inf) are dropped first and the count dropped is noted; paired inputs drop
the whole pair. All confidence intervals are 95%.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats as st

from selforg.analysis.result import Stat, finite_or_none, not_computable


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
    if "task_id" in data:
        data = data.groupby([*groups, "task_id"], as_index=False, dropna=False)[value].mean()
    return data, int((~keep).sum())


@lru_cache(maxsize=1024)
def _t975(df: int) -> float:
    """t(0.975, df), memoised: scipy's ppf costs ~0.1 ms and the analysis asks for the same
    few degrees of freedom tens of thousands of times."""
    return float(st.t.ppf(0.975, df))


def mean_ci(values: npt.ArrayLike) -> Stat:
    """Mean with a t-based 95% CI: mean +/- t(0.975, n - 1) * sd / sqrt(n).

    Not computable with fewer than 2 finite values (no CI exists; a single value is kept in
    extra["mean"]). Zero variance gives a zero-width CI, with a note.
    """
    test = "mean, t-based 95% CI"
    x, dropped = finite(values)
    if x.size == 0:
        return not_computable("no finite values", test=test)
    mean = float(x.mean())
    if x.size < 2:
        reason = "a CI needs at least 2 values"
        return Stat(value=None, n=1, test=test, note=reason, extra={"mean": mean})
    flat = is_constant(x)
    sd = 0.0 if flat else float(x.std(ddof=1))
    half = _t975(x.size - 1) * sd / math.sqrt(x.size)
    notes = [dropped_note(dropped), "zero variance: the CI has zero width" if flat else ""]
    return Stat(
        value=mean,
        ci_low=mean - half,
        ci_high=mean + half,
        n=int(x.size),
        test=test,
        note="; ".join(n for n in notes if n),
        extra={"sd": sd},
    )


def _bootstrap_ratios(
    a: np.ndarray, b: np.ndarray, paired: bool, n_boot: int, seed: int
) -> np.ndarray:
    """Finite bootstrap replicates of mean(a) / mean(b); pairs are resampled together if paired."""
    rng = np.random.default_rng(seed)
    idx_a = rng.integers(0, a.size, size=(n_boot, a.size))
    idx_b = idx_a if paired else rng.integers(0, b.size, size=(n_boot, b.size))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = a[idx_a].mean(axis=1) / b[idx_b].mean(axis=1)
    return ratios[np.isfinite(ratios)]


def _ratio(
    a: npt.ArrayLike, b: npt.ArrayLike, paired: bool, n_boot: int, seed: int, shift: float
) -> Stat:
    """mean(a) / mean(b) + shift with a percentile bootstrap CI (shared by ratio and rel diff)."""
    test = f"percentile bootstrap, {n_boot} resamples" + (", pairs resampled" if paired else "")
    if n_boot < 1:
        return not_computable("n_boot must be at least 1", test=test)
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
    value = float(x.mean()) / mean_b + shift
    ratios = _bootstrap_ratios(x, y, paired, n_boot, seed) + shift
    extra = {"mean_a": float(x.mean()), "mean_b": mean_b, "n_a": int(x.size), "n_b": int(y.size)}
    if ratios.size < n_boot:
        note = "; ".join(s for s in (note, f"{n_boot - ratios.size} resamples had mean 0") if s)
    low, high = (None, None)
    if ratios.size:
        low, high = (float(v) for v in np.percentile(ratios, [2.5, 97.5]))
    extra["seed"] = seed
    return Stat(value=value, ci_low=low, ci_high=high, n=n, test=test, note=note, extra=extra)


def rel_diff(
    a: npt.ArrayLike, b: npt.ArrayLike, paired: bool, n_boot: int = 2000, seed: int = 0
) -> Stat:
    """Relative difference mean(a) / mean(b) - 1 (0.14 = a is 14% above b), bootstrap 95% CI.

    Percentile bootstrap with `n_boot` resamples from numpy's default_rng(seed), so the CI is
    the same for the same data and seed. Paired samples (a[i] and b[i] from the same task)
    resample task pairs together; independent samples resample each sample on its own. Not
    computable with fewer than 2 values in a sample, unequal paired lengths, or mean(b) = 0.
    """
    return _ratio(a, b, paired, n_boot, seed, shift=-1.0)


def ratio_ci(
    a: npt.ArrayLike, b: npt.ArrayLike, paired: bool = False, n_boot: int = 2000, seed: int = 0
) -> Stat:
    """Ratio of means mean(a) / mean(b) (open vs closed quality or price), bootstrap 95% CI.

    Same resampling and guards as `rel_diff`, of which it is the value plus 1.
    """
    return _ratio(a, b, paired, n_boot, seed, shift=0.0)


def cohens_d(a: npt.ArrayLike, b: npt.ArrayLike, paired: bool = False) -> Stat:
    """Standardised mean difference of a over b, with a normal-approximation 95% CI.

    Independent: d = (mean(a) - mean(b)) / s_pooled, s_pooled^2 = ((n_a - 1) s_a^2 +
    (n_b - 1) s_b^2) / (n_a + n_b - 2), SE = sqrt((n_a + n_b) / (n_a n_b) + d^2 / (2 (n_a + n_b))).
    Paired: d_z = mean(a - b) / sd(a - b), SE = sqrt(1 / n + d_z^2 / (2 n)).
    CI = d +/- t(0.975, df) SE with df = n - 1 (paired) or n_a + n_b - 2: Hedges and Olkin's
    standard error with a t critical value, as pingouin.compute_esci computes it (no small-sample
    bias correction). Not computable with fewer than 2 values (pairs) or zero variance.
    """
    if paired:
        test = "Cohen's d_z (paired), Hedges-Olkin SE with t critical value"
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
        se = math.sqrt(1 / n + d**2 / (2 * n))
        df = n - 1
        note = dropped_note(dropped, "pairs")
    else:
        test = "Cohen's d (pooled SD), Hedges-Olkin SE with t critical value"
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
        se = math.sqrt(n / (n_a * n_b) + d**2 / (2 * n))
        df = n - 2
        note = dropped_note(dropped_a + dropped_b)
    half = float(st.t.ppf(0.975, df)) * se
    return Stat(
        value=d, ci_low=d - half, ci_high=d + half, n=n, test=test, note=note, extra={"se": se}
    )


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
