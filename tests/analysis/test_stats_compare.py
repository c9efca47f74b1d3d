"""compare_protocols against scipy / pingouin run here on the same synthetic data, plus guards."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats as st

from selforg.analysis import stats
from selforg.analysis.stats_compare import COMPLETE, INCOMPLETE, WILCOXON_MIN_N


def complete_blocks(seed: int = 11, n_tasks: int = 20) -> pd.DataFrame:
    """Three protocols on the same tasks; sequential is 10% above coordinator, single 10% below."""
    rng = np.random.default_rng(seed)
    task = rng.normal(0.6, 0.08, size=n_tasks)
    effect = {"coordinator": 1.0, "sequential": 1.1, "single": 0.9}
    rows = [
        {"task_id": f"t{i}", "protocol": p, "q": task[i] * k + rng.normal(0, 0.02)}
        for p, k in effect.items()
        for i in range(n_tasks)
    ]
    return pd.DataFrame(rows)


def test_complete_blocks_use_wilcoxon_and_friedman() -> None:
    df = complete_blocks()
    result = stats.compare_protocols(df)
    assert result.design == COMPLETE
    wide = df.pivot(index="task_id", columns="protocol", values="q")
    friedman = st.friedmanchisquare(*(wide[c] for c in ["coordinator", "sequential", "single"]))
    assert result.omnibus.value == pytest.approx(friedman.statistic)
    assert result.omnibus.p == pytest.approx(friedman.pvalue)
    pairs = {(p.a, p.b): p for p in result.pairs}
    assert list(pairs) == [
        ("coordinator", "sequential"), ("coordinator", "single"), ("sequential", "single")
    ]
    raw = []
    for (a, b), pair in pairs.items():
        ref = st.wilcoxon(wide[a], wide[b])
        assert pair.test.p == pytest.approx(ref.pvalue)
        assert pair.test.value == pytest.approx(ref.statistic)
        assert pair.rel_diff.value == pytest.approx(wide[a].mean() / wide[b].mean() - 1)
        diff = wide[a] - wide[b]
        assert pair.d.value == pytest.approx(diff.mean() / diff.std(ddof=1))
        assert pair.d_pooled.value == pytest.approx(pg.compute_effsize(wide[a], wide[b],
                                                                       eftype="cohen"))
        raw.append(ref.pvalue)
    assert [p.test.p for p in result.pairs] == pytest.approx(raw)  # raw: adjusted study-wide
    seq_vs_coord = pairs[("coordinator", "sequential")].rel_diff
    assert seq_vs_coord.ci_low < 1 / 1.1 - 1 < seq_vs_coord.ci_high < 0
    assert result.means["sequential"].n == 20


def test_replicates_are_averaged_per_task() -> None:
    df = complete_blocks()
    doubled = pd.concat([df, df.assign(q=df["q"] + 0.01)])
    result = stats.compare_protocols(doubled)
    assert result.means["single"].n == 20
    assert result.means["single"].value == pytest.approx(
        df.loc[df["protocol"] == "single", "q"].mean() + 0.005
    )


def test_order_sets_the_direction_of_pairs() -> None:
    result = stats.compare_protocols(complete_blocks(), order=["sequential", "coordinator"])
    (pair,) = result.pairs
    assert (pair.a, pair.b) == ("sequential", "coordinator")
    assert pair.rel_diff.value is not None and pair.rel_diff.value > 0


def incomplete(seed: int = 5) -> pd.DataFrame:
    """Three protocols on different tasks and sample sizes, with unequal variances."""
    rng = np.random.default_rng(seed)
    spec = {
        "coordinator": (0.55, 0.05, 12),
        "sequential": (0.65, 0.10, 15),
        "shared": (0.60, 0.20, 9),
    }
    rows = [
        {"task_id": f"{p}-{i}", "protocol": p, "q": rng.normal(mu, sd)}
        for p, (mu, sd, n) in spec.items()
        for i in range(n)
    ]
    return pd.DataFrame(rows)


def test_incomplete_design_uses_welch_anova_and_welch_t() -> None:
    df = incomplete()
    result = stats.compare_protocols(df)
    assert result.design == INCOMPLETE
    welch = pg.welch_anova(data=df, dv="q", between="protocol").iloc[0]
    assert result.omnibus.value == pytest.approx(welch["F"])
    assert result.omnibus.p == pytest.approx(welch["p_unc"])
    for pair in result.pairs:
        a = df.loc[df["protocol"] == pair.a, "q"]
        b = df.loc[df["protocol"] == pair.b, "q"]
        # Welch's t, unadjusted: Games-Howell would adjust, and the study adjusts once (BH)
        ref = st.ttest_ind(a, b, equal_var=False)
        assert (pair.test.value, pair.test.p) == pytest.approx((ref.statistic, ref.pvalue))
        assert pair.d.value == pytest.approx(pg.compute_effsize(a, b, eftype="cohen"))
        assert pair.d_pooled == pair.d
        assert pair.rel_diff.extra["n_a"] == len(a)


def test_zero_variance_group_is_not_computable_for_welch() -> None:
    df = incomplete()
    df.loc[df["protocol"] == "coordinator", "q"] = 0.5
    result = stats.compare_protocols(df)
    assert not result.omnibus.computable
    assert "zero variance in coordinator" in result.omnibus.note
    # Welch's t still tests each pair where one protocol varies.
    assert all(p.test.computable for p in result.pairs)


def test_all_zero_differences_are_not_computable() -> None:
    df = complete_blocks()
    df.loc[df["protocol"] == "single", "q"] = df.loc[df["protocol"] == "coordinator", "q"].values
    result = stats.compare_protocols(df)
    pair = next(p for p in result.pairs if {p.a, p.b} == {"coordinator", "single"})
    assert not pair.test.computable
    assert "all paired differences are zero" in pair.test.note
    assert pair.test.p is None


def test_all_equal_is_not_computable_anywhere() -> None:
    df = complete_blocks().assign(q=0.5)
    result = stats.compare_protocols(df)
    assert not result.omnibus.computable
    assert not any(p.test.computable or p.d.computable for p in result.pairs)


def test_one_task_and_nan_guards() -> None:
    df = complete_blocks(n_tasks=1)
    result = stats.compare_protocols(df)
    assert all("fewer than 2 tasks" in p.test.note for p in result.pairs)
    with_nan = complete_blocks()
    with_nan.loc[0, "q"] = np.nan
    result = stats.compare_protocols(with_nan)
    assert result.design == INCOMPLETE
    assert "1 rows with non-finite q dropped" in result.note


def test_single_protocol_is_not_computable() -> None:
    df = complete_blocks()
    result = stats.compare_protocols(df[df["protocol"] == "single"])
    assert not result.omnibus.computable
    assert result.pairs == []


def test_result_serialises_to_json() -> None:
    text = json.dumps(stats.compare_protocols(incomplete()).as_dict())
    assert '"d_pooled"' in text


def test_a_protocol_with_one_task_is_not_computable_for_its_pairs() -> None:
    df = incomplete()
    df = df[(df["protocol"] != "shared") | (df["task_id"] == "shared-0")]
    result = stats.compare_protocols(df)
    assert "fewer than 2 tasks in shared" in result.omnibus.note
    by_pair = {(p.a, p.b): p for p in result.pairs}
    assert not by_pair[("coordinator", "shared")].test.computable
    assert by_pair[("coordinator", "sequential")].test.computable


@pytest.mark.parametrize("seed", range(12))
def test_wilcoxon_with_ties_at_few_tasks_matches_scipy(seed: int) -> None:
    """The vectorised permutation p-value (tied or zero differences, n <= 13) equals scipy's."""
    from selforg.analysis.stats_compare import _wilcoxon

    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 13))
    x = rng.integers(1, 5, n) / 4  # judge scores: few distinct values, so ties and zeros
    y = rng.integers(1, 5, n) / 4
    while np.count_nonzero(x - y) < WILCOXON_MIN_N:
        k = int(np.flatnonzero(x == y)[0])
        y[k] = 1.0 if x[k] != 1.0 else 0.25
    ref = st.wilcoxon(x, y, zero_method="wilcox")
    ours = _wilcoxon(x, y)
    assert ours.value == ref.statistic
    assert ours.p == ref.pvalue


@pytest.mark.parametrize("nonzero", range(1, WILCOXON_MIN_N))
def test_a_wilcoxon_that_cannot_reach_alpha_is_not_printed_as_a_test(nonzero: int) -> None:
    from selforg.analysis.stats_compare import _wilcoxon

    diff = np.r_[np.arange(1, nonzero + 1) / 10, np.zeros(3)]
    test = _wilcoxon(diff + 0.5, np.full(diff.size, 0.5))
    # the exact test's smallest two-sided p over m non-zero differences is 2 / 2^m > 0.05
    assert not test.computable and test.p is None
    assert f"cannot reach alpha = 0.05 at n = {nonzero} non-zero differences" in test.note
    assert f"{2.0 ** (1 - nonzero):.3g}" in test.note


def test_six_differences_of_one_sign_reach_alpha() -> None:
    from selforg.analysis.stats_compare import _wilcoxon

    test = _wilcoxon(np.arange(1, 7) / 10 + 0.5, np.full(6, 0.5))
    assert test.p == pytest.approx(2 / 2**6)


@pytest.mark.parametrize(("k", "n", "reachable"), [(3, 2, False), (3, 3, True), (4, 2, True),
                                                   (5, 1, False)])
def test_friedman_floor_is_the_exact_tests(k: int, n: int, reachable: bool) -> None:
    from itertools import permutations, product

    from selforg.analysis.stats_compare import friedman_floor

    # brute force: every block ranks the k conditions in one of k! orders, equally likely
    orders = list(permutations(range(k)))
    sums = [np.sum(blocks, axis=0) for blocks in product(orders, repeat=n)]
    stats_ = [float(((s - n * (k - 1) / 2) ** 2).sum()) for s in sums]
    smallest = sum(v >= max(stats_) - 1e-9 for v in stats_) / len(stats_)
    assert friedman_floor(k, n) == pytest.approx(smallest)
    assert (friedman_floor(k, n) <= 0.05) is reachable
