"""Elementary statistics against scipy / pingouin / statsmodels computed here, plus guards."""

from __future__ import annotations

import math

import numpy as np
import pingouin as pg
import pytest
from scipy import optimize
from scipy import stats as st

from selforg.analysis import stats
from selforg.analysis.result import Stat


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20260101)


def test_mean_ci_matches_scipy_t_interval(rng: np.random.Generator) -> None:
    x = rng.normal(0.7, 0.1, size=25)
    low, high = st.t.interval(0.95, df=24, loc=x.mean(), scale=st.sem(x))
    stat = stats.mean_ci(x)
    assert stat.value == pytest.approx(x.mean())
    assert (stat.ci_low, stat.ci_high) == pytest.approx((low, high))
    assert stat.n == 25


def test_mean_ci_drops_nan_and_says_so() -> None:
    stat = stats.mean_ci([0.5, math.nan, 0.7, math.inf])
    assert stat.value == pytest.approx(0.6)
    assert stat.n == 2
    assert "2 non-finite" in stat.note


@pytest.mark.parametrize(("values", "reason"), [([], "no finite"), ([0.4], "at least 2")])
def test_mean_ci_guards(values: list[float], reason: str) -> None:
    stat = stats.mean_ci(values)
    assert not stat.computable
    assert reason in stat.note


def test_mean_ci_keeps_a_single_value_in_extra() -> None:
    assert stats.mean_ci([0.4]).extra["mean"] == pytest.approx(0.4)


def test_mean_ci_of_equal_values_has_no_interval() -> None:
    # two tied judge scores are no evidence that the mean is known exactly
    stat = stats.mean_ci([0.5, 0.5, 0.5])
    assert stat.value == pytest.approx(0.5)
    assert stat.ci_low is None and stat.ci_high is None
    assert "no spread observed" in stat.note
    ratio = stats.rel_diff([0.5, 0.5], [0.25, 0.25], paired=True)
    assert ratio.value == pytest.approx(1.0) and ratio.ci_low is None


def test_rel_diff_paired_is_fieller_the_t_test_of_a_minus_r_b(rng: np.random.Generator) -> None:
    task = rng.normal(0.6, 0.1, size=40)
    a = task * 1.15 + rng.normal(0, 0.02, size=40)
    b = task + rng.normal(0, 0.02, size=40)
    stat = stats.rel_diff(a, b, paired=True)
    assert stat.value == pytest.approx(a.mean() / b.mean() - 1)
    # Fieller's bounds are the ratios r at which the paired t-test of a - r b has p = 0.05
    for bound in (stat.ci_low, stat.ci_high):
        r = bound + 1
        assert st.ttest_1samp(a - r * b, 0.0).pvalue == pytest.approx(0.05, abs=1e-9)
    assert stat.ci_low < 0.15 < stat.ci_high
    assert stat.n == 40 and "Fieller" in stat.test


def test_rel_diff_independent_uses_welch_df_at_the_estimate(rng: np.random.Generator) -> None:
    a = rng.normal(0.8, 0.1, size=30)
    b = rng.normal(0.6, 0.15, size=50)
    stat = stats.rel_diff(a, b, paired=False)
    ratio = a.mean() / b.mean()
    va, vb = a.var(ddof=1) / 30, b.var(ddof=1) / 50
    df = (va + ratio**2 * vb) ** 2 / (va**2 / 29 + ratio**4 * vb**2 / 49)
    for bound in (stat.ci_low, stat.ci_high):
        r = bound + 1
        t = (a.mean() - r * b.mean()) / math.sqrt(va + r * r * vb)
        assert abs(t) == pytest.approx(st.t.ppf(0.975, df), rel=1e-9)
    assert stat.n == 80


def test_rel_diff_stays_within_the_range_of_possible_ratios() -> None:
    # two tasks: the unrestricted interval would claim ratios no Q in [0.25, 1] allows
    stat = stats.rel_diff([0.3, 0.9], [0.5, 0.6], paired=True, value_range=stats.Q_RANGE)
    assert -0.75 <= stat.ci_low <= stat.value <= stat.ci_high <= 3.0
    wide = stats.rel_diff([0.3, 0.9], [0.3, 0.95], paired=False, value_range=stats.Q_RANGE)
    assert (wide.ci_low, wide.ci_high) == (-0.75, 3.0)  # unbounded at n = 2: the whole range
    assert "unbounded" in wide.note


def test_ratio_is_rel_diff_plus_one(rng: np.random.Generator) -> None:
    a, b = rng.normal(0.9, 0.1, size=20), rng.normal(1.0, 0.1, size=20)
    ratio = stats.ratio_ci(a, b)
    diff = stats.rel_diff(a, b, paired=False)
    assert ratio.value == pytest.approx(a.mean() / b.mean())
    assert ratio.ci_low == pytest.approx(diff.ci_low + 1)
    assert ratio.ci_high == pytest.approx(diff.ci_high + 1)


def test_mean_ci_stays_within_the_range() -> None:
    stat = stats.mean_ci([0.3, 0.9], value_range=stats.Q_RANGE)
    assert (stat.ci_low, stat.ci_high) == (0.25, 1.0)
    share = stats.mean_ci([0.0, 0.1, 0.0], value_range=stats.SHARE_RANGE)
    assert share.ci_low == 0.0 and share.ci_high < 1


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (10, 10), (1, 2)])
def test_proportion_ci_is_wilson(k: int, n: int) -> None:
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    low, high = proportion.proportion_confint(k, n, alpha=0.05, method="wilson")
    stat = stats.proportion_ci(k, n)
    assert stat.value == pytest.approx(k / n)
    assert (stat.ci_low, stat.ci_high) == pytest.approx((low, high))
    assert 0 <= stat.ci_low <= stat.ci_high <= 1


@pytest.mark.parametrize(
    ("a", "b", "paired", "reason"),
    [
        ([1.0], [1.0, 2.0], False, "fewer than 2"),
        ([1.0, 2.0], [0.0, 0.0], False, "mean of the reference"),
        ([1.0, 2.0, 3.0], [1.0, 2.0], True, "unequal length"),
        ([1.0, math.nan], [1.0, 2.0], True, "fewer than 2"),
    ],
)
def test_rel_diff_guards(a: list[float], b: list[float], paired: bool, reason: str) -> None:
    stat = stats.rel_diff(a, b, paired=paired)
    assert not stat.computable
    assert reason in stat.note


def _noncentral_bounds(t: float, df: float) -> tuple[float, float]:
    """Noncentrality bounds of a 95% CI by root-finding on scipy's noncentral t cdf."""
    def at(p: float) -> float:
        return float(optimize.brentq(lambda nc: st.nct.cdf(t, df, nc) - p, t - 30, t + 30))
    return at(0.975), at(0.025)


def test_cohens_d_independent_is_pingouins_with_an_exact_ci(rng: np.random.Generator) -> None:
    a, b = rng.normal(1.0, 1.0, size=30), rng.normal(0.0, 1.0, size=25)
    stat = stats.cohens_d(a, b, paired=False)
    d = pg.compute_effsize(a, b, paired=False, eftype="cohen")
    scale = math.sqrt(1 / 30 + 1 / 25)
    low, high = _noncentral_bounds(d / scale, 53)
    assert stat.value == pytest.approx(d)
    assert (stat.ci_low, stat.ci_high) == pytest.approx((low * scale, high * scale), rel=1e-6)
    assert stat.ci_low < 1.0 < stat.ci_high


def test_cohens_d_paired_is_d_z_with_an_exact_ci(rng: np.random.Generator) -> None:
    b = rng.normal(0.0, 1.0, size=20)
    a = b + rng.normal(0.5, 0.5, size=20)
    diff = a - b
    stat = stats.cohens_d(a, b, paired=True)
    d_z = diff.mean() / diff.std(ddof=1)
    low, high = _noncentral_bounds(d_z * math.sqrt(20), 19)
    assert stat.value == pytest.approx(d_z)
    assert (stat.ci_low, stat.ci_high) == pytest.approx((low / math.sqrt(20),
                                                          high / math.sqrt(20)), rel=1e-6)


def test_paired_t_matches_scipy(rng: np.random.Generator) -> None:
    a, b = rng.normal(1.0, 1.0, size=12), rng.normal(0.5, 1.0, size=12)
    ref = st.ttest_rel(a, b)
    stat = stats.paired_t(a, b)
    assert (stat.value, stat.p) == pytest.approx((ref.statistic, ref.pvalue))


@pytest.mark.parametrize(
    ("a", "b", "paired", "reason"),
    [
        ([1.0], [2.0, 3.0], False, "fewer than 2"),
        ([1.0, 1.0], [2.0, 2.0], False, "zero variance"),
        ([1.0, 2.0], [0.0, 1.0], True, "zero variance"),
        ([1.0], [2.0], True, "fewer than 2 pairs"),
    ],
)
def test_cohens_d_guards(a: list[float], b: list[float], paired: bool, reason: str) -> None:
    stat = stats.cohens_d(a, b, paired=paired)
    assert not stat.computable
    assert reason in stat.note


def test_welch_t_matches_scipy(rng: np.random.Generator) -> None:
    a, b = rng.normal(1.0, 1.0, size=15), rng.normal(0.0, 2.0, size=20)
    ref = st.ttest_ind(a, b, equal_var=False)
    stat = stats.welch_t(a, b)
    assert stat.value == pytest.approx(ref.statistic)
    assert stat.p == pytest.approx(ref.pvalue)
    assert not stats.welch_t([1.0, 1.0], [2.0, 2.0]).computable


def test_holm_by_hand() -> None:
    assert stats.holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_caps_at_one_and_skips_missing() -> None:
    # Two valid p-values, so m = 2: 0.3 -> 0.6, then 0.6 -> max(0.6, 1 x 0.6).
    assert stats.holm([0.6, None, 0.3, math.nan]) == [0.6, None, 0.6, None]
    assert stats.holm([0.6, 0.7]) == [1.0, 1.0]


def test_holm_matches_statsmodels(rng: np.random.Generator) -> None:
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    p = rng.uniform(0, 0.2, size=12)
    expected = multitest.multipletests(p, method="holm")[1]
    assert stats.holm(list(p)) == pytest.approx(list(expected))


def test_holm_rejects_impossible_p() -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        stats.holm([0.2, 1.5])


def test_benjamini_hochberg_matches_statsmodels(rng: np.random.Generator) -> None:
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    p = rng.uniform(0, 0.2, size=15)
    expected = multitest.multipletests(p, method="fdr_bh")[1]
    assert stats.benjamini_hochberg(list(p)) == pytest.approx(list(expected))
    assert stats.benjamini_hochberg([0.01, None, 0.04]) == pytest.approx([0.02, None, 0.04])


def test_cannot_reach_says_why() -> None:
    assert stats.cannot_reach(0.03, 6, "exact test") is None
    stat = stats.cannot_reach(0.5, 2, "exact test")
    assert stat is not None and not stat.computable
    assert stat.note == "cannot reach alpha = 0.05 at n = 2 tasks: its smallest p-value is 0.5"


def _power(d: float, n1: int, n2: int, paired: bool, alpha: float = 0.05) -> float:
    """Power of a two-sided t-test from the noncentral t distribution, computed independently."""
    if paired:
        df, nc = n1 - 1, d * math.sqrt(n1)
    else:
        df, nc = n1 + n2 - 2, d * math.sqrt(n1 * n2 / (n1 + n2))
    crit = st.t.ppf(1 - alpha / 2, df)
    return float(1 - st.nct.cdf(crit, df, nc) + st.nct.cdf(-crit, df, nc))


@pytest.mark.parametrize(("n1", "n2", "paired"), [(20, 20, True), (15, 25, False), (8, 8, False)])
def test_min_detectable_effect_has_the_requested_power(n1: int, n2: int, paired: bool) -> None:
    stat = stats.min_detectable_effect(n1, n2, paired=paired)
    assert stat.value is not None
    assert _power(stat.value, n1, n2, paired) == pytest.approx(0.8, abs=1e-3)


def test_min_detectable_effect_shrinks_with_n() -> None:
    small = stats.min_detectable_effect(10, 10, paired=False).value
    large = stats.min_detectable_effect(100, 100, paired=False).value
    assert small is not None and large is not None and large < small


@pytest.mark.parametrize(
    ("n1", "n2", "paired", "reason"),
    [(1, 10, False, "fewer than 2"), (10, 12, True, "unequal size"), (2, 2, True, "no effect")],
)
def test_min_detectable_effect_guards(n1: int, n2: int, paired: bool, reason: str) -> None:
    stat = stats.min_detectable_effect(n1, n2, paired=paired)
    assert not stat.computable
    assert reason in stat.note


def test_require_finite_turns_a_nan_result_into_a_reason() -> None:
    empty = stats.require_finite(Stat(value=1.0, p=None, n=5, test="t"), "no p")
    assert not empty.computable
    assert (empty.note, empty.n, empty.test) == ("no p", 5, "t")
    fine = Stat(value=1.0, p=0.2, n=5)
    assert stats.require_finite(fine, "unused") is fine
