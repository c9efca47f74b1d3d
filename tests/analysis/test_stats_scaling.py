"""Scaling statistics against scipy / statsmodels run here on seeded data with known effects."""

from __future__ import annotations

from itertools import permutations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from selforg.analysis import stats
from selforg.analysis.stats_scaling import kruskal_floor

SIZES = (4, 8, 16, 32, 64)


def runs(slope: float = 0.02, exponent: float = 0.8, seed: int = 3, tasks: int = 12,
         task_sd: float = 0.1) -> pd.DataFrame:
    """The same tasks at every N: Q = task + slope * log2 N + noise; cost = task x N^exponent."""
    rng = np.random.default_rng(seed)
    effect = rng.normal(0.5, task_sd, size=tasks)
    size = rng.lognormal(0, 0.3, size=tasks)
    n = np.repeat(SIZES, tasks)
    task = np.tile(np.arange(tasks), len(SIZES))
    return pd.DataFrame({
        "task_id": [f"t{i}" for i in task],
        "n_agents": n,
        "q": effect[task] + slope * np.log2(n) + rng.normal(0, 0.03, size=n.size),
        "cost_usd": 0.01 * size[task] * n**exponent * rng.lognormal(0, 0.1, size=n.size),
    })


def test_log2_slope_is_ols_with_task_fixed_effects() -> None:
    smf = pytest.importorskip("statsmodels.formula.api")
    df = runs(slope=0.02).assign(x=lambda d: np.log2(d["n_agents"]))
    fit = smf.ols("q ~ x + C(task_id)", data=df).fit()
    low, high = fit.conf_int(0.05).loc["x"]
    stat = stats.log2_slope(df)
    assert stat.value == pytest.approx(fit.params["x"])
    assert (stat.ci_low, stat.ci_high) == pytest.approx((low, high))
    assert stat.p == pytest.approx(fit.pvalues["x"])
    assert stat.extra["df"] == fit.df_resid
    assert stat.n == 12 and "task fixed effects" in stat.test
    assert stat.ci_low < 0.02 < stat.ci_high


def test_blocking_finds_a_trend_the_independent_tests_miss() -> None:
    # a 1% decline per doubling under a task spread ten times the noise: the same tasks at
    # every N make it plain to a blocked test and invisible to tests that ignore the tasks
    df = runs(slope=-0.01, tasks=30, task_sd=0.15, seed=8)
    assert stats.log2_slope(df).p < 0.001
    assert stats.friedman_by_n(df).p < 0.001
    assert stats.kruskal_by_n(df).p > 0.05
    plain = st.linregress(np.log2(df["n_agents"]), df["q"])
    assert plain.pvalue > 0.05


def test_log2_slope_without_tasks_is_plain_ols() -> None:
    sm = pytest.importorskip("statsmodels.api")
    df = runs().drop(columns="task_id")
    fit = sm.OLS(df["q"], sm.add_constant(np.log2(df["n_agents"]))).fit()
    stat = stats.log2_slope(df)
    assert stat.value == pytest.approx(fit.params.iloc[1])
    assert stat.p == pytest.approx(fit.pvalues.iloc[1])
    assert "no task blocks" in stat.test


def test_tasks_at_one_n_carry_no_slope_information() -> None:
    df = runs()
    lonely = pd.DataFrame({"task_id": ["solo"], "n_agents": [4], "q": [0.9], "cost_usd": [1.0]})
    stat = stats.log2_slope(pd.concat([df, lonely]))
    assert stat.value == pytest.approx(stats.log2_slope(df).value)
    assert stat.extra["blocks_dropped"] == 1


def test_friedman_across_n_matches_scipy_on_complete_tasks() -> None:
    df = runs()
    wide = df.pivot(index="task_id", columns="n_agents", values="q")
    missing = df[~((df["task_id"] == "t0") & (df["n_agents"] == 8))]
    stat = stats.friedman_by_n(missing)
    ref = st.friedmanchisquare(*(wide.drop(index="t0")[n] for n in SIZES))
    assert (stat.value, stat.p) == pytest.approx((ref.statistic, ref.pvalue))
    assert stat.n == 11 and "1 task(s) not run at every N left out" in stat.note


def test_friedman_needs_three_n_and_enough_tasks() -> None:
    df = runs()
    two = df[df["n_agents"].isin([4, 8])]
    assert "3 or more values of N" in stats.friedman_by_n(two).note
    three_n_two_tasks = df[df["n_agents"].isin([4, 8, 16]) & df["task_id"].isin(["t0", "t1"])]
    stat = stats.friedman_by_n(three_n_two_tasks)
    assert not stat.computable and "cannot reach alpha = 0.05 at n = 2 tasks" in stat.note


def test_kruskal_matches_scipy_and_is_labelled_the_references() -> None:
    df = runs()
    groups = [df.loc[df["n_agents"] == k, "q"] for k in SIZES]
    ref = st.kruskal(*groups)
    stat = stats.kruskal_by_n(df)
    assert stat.value == pytest.approx(ref.statistic)
    assert stat.p == pytest.approx(ref.pvalue)
    assert stat.extra["df"] == 4
    assert stat.extra["groups"] == {str(k): 12 for k in SIZES}
    assert "the reference study's test" in stat.test


@pytest.mark.parametrize("sizes", [[2, 2], [3, 3], [2, 3], [1, 2, 2], [2, 2, 2]])
def test_kruskal_floor_bounds_the_exact_smallest_p(sizes: list[int]) -> None:
    values = np.arange(sum(sizes), dtype=float)
    labels = np.repeat(np.arange(len(sizes)), sizes)
    outcomes = {tuple(p) for p in permutations(labels)}
    h = [st.kruskal(*(values[np.asarray(o) == g] for g in range(len(sizes)))).statistic
         for o in outcomes]
    exact = sum(v >= max(h) - 1e-9 for v in h) / len(h)
    assert kruskal_floor(sizes) <= exact + 1e-12
    if len(set(sizes)) == 1:
        assert kruskal_floor(sizes) == pytest.approx(exact)


def test_kruskal_that_cannot_reach_alpha_is_not_a_test() -> None:
    df = pd.DataFrame({"n_agents": [64, 64, 256, 256], "q": [0.9, 0.8, 0.7, 0.6]})
    stat = stats.kruskal_by_n(df)
    assert not stat.computable and "cannot reach alpha" in stat.note


def test_cost_exponent_is_task_blocked_and_recovers_a_sublinear_b() -> None:
    smf = pytest.importorskip("statsmodels.formula.api")
    df = runs(exponent=0.8)
    fit = smf.ols("np.log(cost_usd) ~ np.log(n_agents) + C(task_id)", data=df).fit()
    stat = stats.cost_exponent(df)
    assert stat.value == pytest.approx(fit.params["np.log(n_agents)"])
    assert stat.ci_low < 0.8 < stat.ci_high
    assert stat.extra["sublinear"] is True


def test_cost_exponent_linear_is_not_sublinear() -> None:
    assert stats.cost_exponent(runs(exponent=1.0)).extra["sublinear"] is False


def test_cost_exponent_drops_zero_cost_rows() -> None:
    df = runs()
    df.loc[df["n_agents"] == 4, "cost_usd"] = 0.0
    stat = stats.cost_exponent(df)
    assert stat.extra["n_obs"] == 48
    assert "12 rows with cost <= 0 dropped" in stat.note


def test_replicates_are_averaged_per_task() -> None:
    df = pd.concat([runs(), runs(seed=4)])
    assert stats.kruskal_by_n(df).n == 60
    assert stats.log2_slope(df).extra["n_obs"] == 60


def test_scaling_bundles_the_four() -> None:
    assert set(stats.scaling(runs())) == {"log2_slope", "friedman", "kruskal", "cost_exponent"}


def test_guards() -> None:
    df = runs()
    one_n = df[df["n_agents"] == 8]
    assert "fewer than 2 values of N" in stats.kruskal_by_n(one_n).note
    assert "fewer than 2 distinct" in stats.log2_slope(one_n).note
    flat = df.assign(q=0.7)
    assert "identical" in stats.kruskal_by_n(flat).note
    assert "no variation of the response" in stats.log2_slope(flat).note
    two_points = df[df["task_id"] == "t0"].head(2)
    assert "no residual degrees of freedom" in stats.log2_slope(two_points).note
    free = df.assign(cost_usd=0.0)
    stat = stats.cost_exponent(free)
    assert not stat.computable
    assert stat.extra["sublinear"] is None
    with_nan = df.assign(q=df["q"].where(df.index > 0))
    assert "1 rows with non-finite q dropped" in stats.log2_slope(with_nan).note
