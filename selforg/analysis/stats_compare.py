"""Protocol comparison within one setting (docs/study.md section 7, "Protocols").

The unit is the task: replicates of a (task, protocol) are averaged first. When every protocol
ran the same tasks (complete blocks) the tests are paired over tasks (Friedman omnibus, Wilcoxon
signed-rank per pair); otherwise Welch's ANOVA and Welch's t per pair. Each pair also gets a
relative difference with Fieller's CI, the design's Cohen's d (d_z when paired) and the
between-group pooled-SD d. p-values here are raw: the study adjusts every test once, in
`selforg.analysis.multiplicity` (Holm for the confirmatory family, Benjamini-Hochberg for the
rest), which is why the unpaired pairs use Welch's t rather than Games-Howell (already
adjusted over the pairs of a setting). An exact rank test that cannot reach alpha at its n is
not computable, with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

from selforg.analysis.result import Stat, finite_or_none, not_computable
from selforg.analysis.stats_basic import (
    Q_RANGE,
    Range,
    cannot_reach,
    cohens_d,
    is_constant,
    mean_ci,
    rel_diff,
    require_finite,
    task_means,
    welch_t,
)

COMPLETE = "complete blocks (every protocol ran the same tasks)"
INCOMPLETE = "incomplete (protocols ran different tasks)"
# Errors pingouin and scipy raise on degenerate data beyond the cases checked up front.
DEGENERATE = (ValueError, ZeroDivisionError, FloatingPointError, AssertionError, KeyError)


@dataclass(frozen=True)
class PairComparison:
    """One protocol pair, a against b.

    test: the pairwise test; value is its statistic, p the raw p-value (adjusted once,
    study-wide, by `selforg.analysis.multiplicity`).
    rel_diff: mean(a) / mean(b) - 1 with Fieller's CI. d: Cohen's d of a over b in the
    comparison's design (d_z when paired). d_pooled: the between-group pooled-SD d on the same
    task means, the reference study's definition, whatever the design.
    """

    a: str
    b: str
    test: Stat
    rel_diff: Stat
    d: Stat
    d_pooled: Stat


@dataclass(frozen=True)
class ProtocolComparison:
    """All results of one comparison: design, mean Q per protocol, omnibus test and pairs."""

    design: str
    means: dict[str, Stat]
    omnibus: Stat
    pairs: list[PairComparison]
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# The exact two-sided Wilcoxon test's smallest p-value over m non-zero differences is 2 / 2^m:
# m = 6 is the first that can reach alpha = 0.05 (0.031; m = 5 gives 0.0625).
WILCOXON_MIN_N = 6
# Up to this many pairs, scipy's wilcoxon (method="auto") tests tied or zero differences with
# an exact permutation test over all 2^n sign assignments; above it, the normal approximation.
PERMUTATION_MAX_N = 13


@cache
def _sign_patterns(n: int) -> np.ndarray:
    """Every assignment of n signs as rows of 0/1 (1 = positive): 2^n x n."""
    return (np.arange(2**n)[:, None] >> np.arange(n)) & 1


def sign_flip_test(diff: np.ndarray) -> tuple[float, float]:
    """The two-sided signed-rank statistic min(R+, R-) and its exact p-value under all 2^n sign
    flips of the paired differences `diff`, zero differences dropped from the ranking: what
    scipy.stats.wilcoxon computes for tied or zero differences at n <= 13. scipy evaluates that
    permutation test one resample at a time (about 0.4 s a test, minutes at the reference
    scale); this enumerates the same null distribution in one matrix product and compares with
    scipy's own tolerance and two-sided rule (`permutation_test`), so the p-values are equal.

    Flipping signs leaves |diff|, and so the ranks, unchanged: the statistic of a resample is
    the sum of the ranks it signs positive (a zero difference has rank 0, as if dropped).
    """
    nonzero = diff != 0
    ranks = np.zeros(diff.shape)
    ranks[nonzero] = st.rankdata(np.abs(diff[nonzero]))
    observed = float(ranks[diff > 0].sum())
    null = _sign_patterns(diff.size) @ ranks
    gamma = abs(np.finfo(float).eps * 100 * observed)
    less = np.count_nonzero(null <= observed + gamma) / null.size
    greater = np.count_nonzero(null >= observed - gamma) / null.size
    statistic = min(observed, float(ranks.sum()) - observed)
    return statistic, float(min(1.0, 2 * min(less, greater)))


def _wilcoxon(x: np.ndarray, y: np.ndarray) -> Stat:
    """Two-sided Wilcoxon signed-rank test over paired task values (zero differences dropped)."""
    test = "Wilcoxon signed-rank (two-sided, zero differences dropped)"
    diff = x - y
    n = int(diff.size)
    if n < 2:
        return not_computable("fewer than 2 tasks", n=n, test=test)
    nonzero = int(np.count_nonzero(diff))
    if nonzero == 0:
        return not_computable("all paired differences are zero", n=n, test=test)
    # the exact test's most extreme outcome, every difference of one sign, has p = 2 / 2^m
    floor = cannot_reach(min(1.0, 2.0 ** (1 - nonzero)), nonzero, test, "non-zero differences")
    if floor is not None:
        return floor
    ties = np.unique(np.abs(diff[diff != 0])).size < nonzero
    if (ties or nonzero < n) and n <= PERMUTATION_MAX_N:
        # scipy's choice here, its exact permutation test, vectorised (see sign_flip_test)
        statistic, pvalue = sign_flip_test(diff)
    else:
        result = st.wilcoxon(x, y, zero_method="wilcox", alternative="two-sided")
        statistic, pvalue = result.statistic, result.pvalue
    stat = Stat(
        value=finite_or_none(statistic),
        p=finite_or_none(pvalue),
        n=n,
        test=test,
        extra={"n_nonzero": nonzero},
    )
    return require_finite(stat, "scipy returned no finite Wilcoxon statistic")


def friedman_floor(k: int, n: int) -> float:
    """The smallest p-value of the exact Friedman test of k conditions over n blocks.

    Under the null each block's ranking is one of k! equally likely orders; the largest
    statistic needs every block in the same order, which k! of the (k!)^n outcomes achieve.
    """
    return float(math.factorial(k)) ** (1 - n)


def _friedman(wide: pd.DataFrame) -> Stat:
    """Friedman test over complete blocks (tasks), the omnibus of the paired design."""
    test = "Friedman (tasks as blocks)"
    n = len(wide)
    if wide.shape[1] < 3:
        return not_computable("Friedman needs 3 or more protocols", n=n, test=test)
    if n < 2:
        return not_computable("fewer than 2 tasks", n=n, test=test)
    if (wide.nunique(axis=1) == 1).all():
        return not_computable("every task has equal Q for all protocols", n=n, test=test)
    floor = cannot_reach(friedman_floor(wide.shape[1], n), n, test)
    if floor is not None:
        return floor
    result = st.friedmanchisquare(*(wide[c].to_numpy() for c in wide.columns))
    stat = Stat(
        value=finite_or_none(result.statistic),
        p=finite_or_none(result.pvalue),
        n=n,
        test=test,
        extra={"df": wide.shape[1] - 1},
    )
    return require_finite(stat, "scipy returned no finite Friedman statistic")


def _welch_guard(groups: dict[str, np.ndarray]) -> str:
    """Why Welch's ANOVA cannot run on these groups, or "" if it can.

    Its weights are n / variance per group, so every group needs 2 values and some variance
    (pingouin raises otherwise).
    """
    small = [name for name, x in groups.items() if x.size < 2]
    if small:
        return f"fewer than 2 tasks in {', '.join(small)}"
    flat = [name for name, x in groups.items() if is_constant(x)]
    if flat:
        return f"zero variance in {', '.join(flat)} (Welch's ANOVA weighs groups by 1 / variance)"
    return ""


def _welch_anova(table: pd.DataFrame, guard: str) -> Stat:
    """Welch's one-way ANOVA of q across protocols (pingouin.welch_anova)."""
    import pingouin as pg

    test = "Welch's ANOVA"
    n = len(table)
    if guard:
        return not_computable(guard, n=n, test=test)
    try:
        row = pg.welch_anova(data=table, dv="q", between="protocol").iloc[0]
    except DEGENERATE as error:
        return not_computable(f"Welch's ANOVA failed: {error}", n=n, test=test)
    stat = Stat(
        value=finite_or_none(row["F"]),
        p=finite_or_none(row["p_unc"]),
        n=n,
        test=test,
        extra={"df1": finite_or_none(row["ddof1"]), "df2": finite_or_none(row["ddof2"])},
    )
    return require_finite(stat, "pingouin returned no finite F")


def compare_protocols(
    df: pd.DataFrame,
    order: Sequence[str] | None = None,
    value_range: Range = Q_RANGE,
) -> ProtocolComparison:
    """Compare Q across the protocols of one setting; df has columns task_id, protocol, q.

    Rows with a non-finite q are dropped and replicates averaged per (task, protocol). Complete
    blocks: paired tests over tasks (Friedman omnibus for 3+ protocols, Wilcoxon signed-rank
    per pair, paired Fieller rel diff, d_z). Otherwise: Welch's ANOVA omnibus, Welch's t per
    pair, independent Fieller rel diff and pooled-SD d. Every pair also has the pooled-SD d.
    Pairs are (a, b) for a before b in `order` (default: sorted names), so rel_diff is a
    relative to b. p-values are raw (see the module docstring); CIs of means and ratios stay
    within what `value_range` (the range of q) allows.
    """
    table, dropped = task_means(df, ["protocol"], "q")
    table["protocol"] = table["protocol"].astype(str)
    present = sorted(table["protocol"].unique())
    names = [p for p in order if p in present] if order is not None else present
    notes = [f"{dropped} rows with non-finite q dropped" if dropped else ""]
    if order is not None and len(names) < len(present):
        notes.append("protocols missing from `order` left out")
    table = table[table["protocol"].isin(names)]
    means = {p: mean_ci(table.loc[table["protocol"] == p, "q"], value_range) for p in names}
    wide = table.pivot(index="task_id", columns="protocol", values="q").reindex(columns=names)
    complete = len(names) >= 2 and bool(wide.notna().all().all())
    pairs = list(combinations(names, 2))
    note = "; ".join(n for n in notes if n)
    if len(names) < 2:
        omnibus = not_computable("fewer than 2 protocols with data", n=len(table))
        return ProtocolComparison("fewer than 2 protocols", means, omnibus, [], note)
    if complete:
        omnibus = _friedman(wide)
        tests = [_wilcoxon(wide[a].to_numpy(), wide[b].to_numpy()) for a, b in pairs]
        samples = {p: wide[p].to_numpy() for p in names}
    else:
        samples = {p: table.loc[table["protocol"] == p, "q"].to_numpy() for p in names}
        omnibus = _welch_anova(table, _welch_guard(samples))
        tests = [welch_t(samples[a], samples[b]) for a, b in pairs]
    results = []
    for (a, b), test in zip(pairs, tests, strict=True):
        pooled = cohens_d(samples[a], samples[b], paired=False)
        results.append(PairComparison(
            a=a, b=b, test=test,
            rel_diff=rel_diff(samples[a], samples[b], paired=complete, value_range=value_range),
            d=cohens_d(samples[a], samples[b], paired=True) if complete else pooled,
            d_pooled=pooled))
    return ProtocolComparison(COMPLETE if complete else INCOMPLETE, means, omnibus, results, note)
