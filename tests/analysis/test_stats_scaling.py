"""Scaling statistics against scipy / statsmodels run here on seeded data with known effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from selforg.analysis import stats

SIZES = (4, 8, 16, 32, 64)


def runs(slope: float = 0.02, exponent: float = 0.8, seed: int = 3) -> pd.DataFrame:
    """Q = 0.5 + slope * log2 N + noise; cost = 0.01 N^exponent x lognormal noise."""
    rng = np.random.default_rng(seed)
    n = np.repeat(SIZES, 12)
    return pd.DataFrame(
        {
            "n_agents": n,
            "q": 0.5 + slope * np.log2(n) + rng.normal(0, 0.03, size=n.size),
            "cost_usd": 0.01 * n**exponent * rng.lognormal(0, 0.1, size=n.size),
        }
    )


def test_kruskal_matches_scipy() -> None:
    df = runs()
    groups = [df.loc[df["n_agents"] == k, "q"] for k in SIZES]
    ref = st.kruskal(*groups)
    stat = stats.kruskal_by_n(df)
    assert stat.value == pytest.approx(ref.statistic)
    assert stat.p == pytest.approx(ref.pvalue)
    assert stat.extra["df"] == 4
    assert stat.extra["groups"] == {str(k): 12 for k in SIZES}


def test_log2_slope_matches_statsmodels_ols() -> None:
    sm = pytest.importorskip("statsmodels.api")
    df = runs(slope=0.02)
    fit = sm.OLS(df["q"], sm.add_constant(np.log2(df["n_agents"]))).fit()
    low, high = fit.conf_int(0.05).iloc[1]
    stat = stats.log2_slope(df)
    assert stat.value == pytest.approx(fit.params.iloc[1])
    assert (stat.ci_low, stat.ci_high) == pytest.approx((low, high))
    assert stat.p == pytest.approx(fit.pvalues.iloc[1])
    assert stat.ci_low < 0.02 < stat.ci_high


def test_cost_exponent_recovers_a_sublinear_b() -> None:
    df = runs(exponent=0.8)
    ref = st.linregress(np.log(df["n_agents"]), np.log(df["cost_usd"]))
    stat = stats.cost_exponent(df)
    assert stat.value == pytest.approx(ref.slope)
    assert stat.ci_low < 0.8 < stat.ci_high
    assert stat.extra["sublinear"] is True


def test_cost_exponent_linear_is_not_sublinear() -> None:
    assert stats.cost_exponent(runs(exponent=1.0)).extra["sublinear"] is False


def test_cost_exponent_drops_zero_cost_rows() -> None:
    df = runs()
    df.loc[df["n_agents"] == 4, "cost_usd"] = 0.0
    stat = stats.cost_exponent(df)
    assert stat.n == 48
    assert "12 rows with cost <= 0 dropped" in stat.note


def test_replicates_are_averaged_per_task() -> None:
    df = runs().assign(task_id=lambda d: [f"t{i % 3}" for i in range(len(d))])
    stat = stats.kruskal_by_n(df)
    assert stat.n == 15


def test_scaling_bundles_the_three() -> None:
    assert set(stats.scaling(runs())) == {"kruskal", "log2_slope", "cost_exponent"}


def test_guards() -> None:
    df = runs()
    one_n = df[df["n_agents"] == 8]
    assert "fewer than 2 values of N" in stats.kruskal_by_n(one_n).note
    assert "fewer than 2 distinct" in stats.log2_slope(one_n).note
    flat = df.assign(q=0.7)
    assert "identical" in stats.kruskal_by_n(flat).note
    assert "zero variance" in stats.log2_slope(flat).note
    assert "fewer than 3" in stats.log2_slope(df.head(2)).note
    free = df.assign(cost_usd=0.0)
    stat = stats.cost_exponent(free)
    assert not stat.computable
    assert stat.extra["sublinear"] is None
    with_nan = df.assign(q=df["q"].where(df.index > 0))
    assert "1 rows with non-finite q dropped" in stats.log2_slope(with_nan).note
