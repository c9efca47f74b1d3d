"""Elementary statistics against scipy / pingouin / statsmodels computed here, plus guards."""

from __future__ import annotations

import math

import numpy as np
import pingouin as pg
import pytest
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


def test_mean_ci_zero_variance_has_zero_width() -> None:
    stat = stats.mean_ci([0.5, 0.5, 0.5])
    assert stat.ci_low == stat.ci_high == pytest.approx(0.5)
    assert "zero variance" in stat.note


def test_rel_diff_paired_agrees_with_scipy_bootstrap(rng: np.random.Generator) -> None:
    task = rng.normal(0.6, 0.1, size=40)
    a = task * 1.15 + rng.normal(0, 0.02, size=40)
    b = task + rng.normal(0, 0.02, size=40)
    stat = stats.rel_diff(a, b, paired=True, n_boot=4000, seed=7)
    assert stat.value == pytest.approx(a.mean() / b.mean() - 1)
    ref = st.bootstrap(
        (a, b),
        lambda x, y, axis=-1: x.mean(axis=axis) / y.mean(axis=axis) - 1,
        paired=True,
        method="percentile",
        n_resamples=4000,
        rng=np.random.default_rng(1),
    ).confidence_interval
    assert stat.ci_low == pytest.approx(ref.low, abs=0.01)
    assert stat.ci_high == pytest.approx(ref.high, abs=0.01)
    assert stat.ci_low < 0.15 < stat.ci_high
    assert stat.n == 40


def test_rel_diff_independent_agrees_with_scipy_bootstrap(rng: np.random.Generator) -> None:
    a = rng.normal(0.8, 0.1, size=30)
    b = rng.normal(0.6, 0.1, size=50)
    stat = stats.rel_diff(a, b, paired=False, n_boot=4000, seed=3)
    ref = st.bootstrap(
        (a, b),
        lambda x, y, axis=-1: x.mean(axis=axis) / y.mean(axis=axis) - 1,
        method="percentile",
        n_resamples=4000,
        rng=np.random.default_rng(2),
    ).confidence_interval
    assert stat.ci_low == pytest.approx(ref.low, abs=0.015)
    assert stat.ci_high == pytest.approx(ref.high, abs=0.015)
    assert stat.n == 80


def test_rel_diff_is_deterministic_given_the_seed(rng: np.random.Generator) -> None:
    a, b = rng.normal(1, 0.2, size=12), rng.normal(1, 0.2, size=12)
    first = stats.rel_diff(a, b, paired=True, seed=5)
    assert first == stats.rel_diff(a, b, paired=True, seed=5)
    assert first.ci_low != stats.rel_diff(a, b, paired=True, seed=6).ci_low


def test_ratio_is_rel_diff_plus_one(rng: np.random.Generator) -> None:
    a, b = rng.normal(0.9, 0.1, size=20), rng.normal(1.0, 0.1, size=20)
    ratio = stats.ratio_ci(a, b, seed=1)
    diff = stats.rel_diff(a, b, paired=False, seed=1)
    assert ratio.value == pytest.approx(a.mean() / b.mean())
    assert ratio.ci_low == pytest.approx(diff.ci_low + 1)


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


def test_cohens_d_independent_matches_pingouin(rng: np.random.Generator) -> None:
    a, b = rng.normal(1.0, 1.0, size=30), rng.normal(0.0, 1.0, size=25)
    stat = stats.cohens_d(a, b, paired=False)
    d = pg.compute_effsize(a, b, paired=False, eftype="cohen")
    ci = pg.compute_esci(d, nx=30, ny=25, paired=False, eftype="cohen", decimals=12)
    assert stat.value == pytest.approx(d)
    assert (stat.ci_low, stat.ci_high) == pytest.approx(tuple(ci))
    assert stat.ci_low < 1.0 < stat.ci_high


def test_cohens_d_paired_is_d_z(rng: np.random.Generator) -> None:
    b = rng.normal(0.0, 1.0, size=20)
    a = b + rng.normal(0.5, 0.5, size=20)
    diff = a - b
    stat = stats.cohens_d(a, b, paired=True)
    d_z = diff.mean() / diff.std(ddof=1)
    ci = pg.compute_esci(d_z, nx=20, ny=20, paired=True, eftype="cohen", decimals=12)
    assert stat.value == pytest.approx(d_z)
    assert (stat.ci_low, stat.ci_high) == pytest.approx(tuple(ci))


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
