"""Protocol comparison within one setting (docs/study.md section 7, "Protocols").

The unit is the task: replicates of a (task, protocol) are averaged first. When every protocol
ran the same tasks (complete blocks) the tests are paired over tasks (Friedman omnibus, Wilcoxon
signed-rank per pair); otherwise Welch's ANOVA and Games-Howell. Either way the pairwise p-values
form one family, Holm-adjusted, and each pair also gets a relative difference and Cohen's d.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from functools import cache
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

from selforg.analysis.result import Stat, finite_or_none, not_computable
from selforg.analysis.stats_basic import (
    cohens_d,
    holm,
    is_constant,
    mean_ci,
    rel_diff,
    require_finite,
    task_means,
)

COMPLETE = "complete blocks (every protocol ran the same tasks)"
INCOMPLETE = "incomplete (protocols ran different tasks)"
# Errors pingouin and scipy raise on degenerate data beyond the cases checked up front.
DEGENERATE = (ValueError, ZeroDivisionError, FloatingPointError, AssertionError, KeyError)


@dataclass(frozen=True)
class PairComparison:
    """One protocol pair, a against b.

    test: the pairwise test; value is its statistic, p the raw p-value, extra["p_holm"] the
    Holm-adjusted p over the family of all computable pairs (extra["family_size"] tests).
    rel_diff: mean(a) / mean(b) - 1 with bootstrap CI. d: Cohen's d of a over b.
    """

    a: str
    b: str
    test: Stat
    rel_diff: Stat
    d: Stat

    @property
    def p_holm(self) -> float | None:
        return self.test.extra.get("p_holm")


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
    (pingouin 0.7's welch_anova raises otherwise).
    """
    small = [name for name, x in groups.items() if x.size < 2]
    if small:
        return f"fewer than 2 tasks in {', '.join(small)}"
    flat = [name for name, x in groups.items() if is_constant(x)]
    if flat:
        return f"zero variance in {', '.join(flat)} (Welch's ANOVA weighs groups by 1 / variance)"
    return ""


def _pair_guard(x: np.ndarray, y: np.ndarray) -> str:
    """Why a Games-Howell pair cannot be tested, or "" if it can (its SE pools both variances)."""
    if min(x.size, y.size) < 2:
        return "fewer than 2 tasks in a protocol"
    if is_constant(x) and is_constant(y):
        return "both protocols have zero variance"
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


def _games_howell(
    table: pd.DataFrame, pairs: list[tuple[str, str]], samples: dict[str, np.ndarray]
) -> list[Stat]:
    """Games-Howell test per pair (pingouin.pairwise_gameshowell); value is T of a minus b."""
    import pingouin as pg

    test = "Games-Howell"
    guards = {(a, b): _pair_guard(samples[a], samples[b]) for a, b in pairs}
    sizes = {(a, b): int(samples[a].size + samples[b].size) for a, b in pairs}
    rows = pd.DataFrame()
    if not all(guards.values()):
        try:
            rows = pg.pairwise_gameshowell(data=table, dv="q", between="protocol")
        except DEGENERATE as error:
            guards = {p: guards[p] or f"Games-Howell failed: {error}" for p in pairs}
    found = {(str(r["A"]), str(r["B"])): r for _, r in rows.iterrows()}
    out = []
    for a, b in pairs:
        if guards[(a, b)]:
            out.append(not_computable(guards[(a, b)], n=sizes[(a, b)], test=test))
            continue
        row, sign = (found[(a, b)], 1.0) if (a, b) in found else (found[(b, a)], -1.0)
        t_value = finite_or_none(row["T"])
        stat = Stat(
            value=None if t_value is None else sign * t_value,
            p=finite_or_none(row["pval"]),
            n=sizes[(a, b)],
            test=test,
            extra={"df": finite_or_none(row["df"])},
        )
        out.append(require_finite(stat, "pingouin returned no finite Games-Howell T"))
    return out


def _with_holm(tests: list[Stat]) -> list[Stat]:
    """The tests with their Holm-adjusted p over the family of computable p-values."""
    raw = [t.p for t in tests]
    family = sum(p is not None for p in raw)
    return [
        replace(t, extra=t.extra | {"p_holm": adj, "family_size": family})
        for t, adj in zip(tests, holm(raw), strict=True)
    ]


def compare_protocols(
    df: pd.DataFrame,
    order: Sequence[str] | None = None,
    n_boot: int = 2000,
    seed: int = 0,
) -> ProtocolComparison:
    """Compare Q across the protocols of one setting; df has columns task_id, protocol, q.

    Rows with a non-finite q are dropped and replicates averaged per (task, protocol). Complete
    blocks: paired tests over tasks (Friedman omnibus for 3+ protocols, Wilcoxon signed-rank
    per pair, paired bootstrap rel diff, d_z). Otherwise: Welch's ANOVA omnibus, Games-Howell
    per pair, independent rel diff and pooled-SD d. Pairs are (a, b) for a before b in `order`
    (default: sorted names), so rel_diff is a relative to b. Holm adjusts the pair p-values as
    one family. Games-Howell p-values already control the family-wise error, so Holm on top of
    them is conservative; it is applied anyway so every family is corrected the same way.
    """
    table, dropped = task_means(df, ["protocol"], "q")
    table["protocol"] = table["protocol"].astype(str)
    present = sorted(table["protocol"].unique())
    names = [p for p in order if p in present] if order is not None else present
    notes = [f"{dropped} rows with non-finite q dropped" if dropped else ""]
    if order is not None and len(names) < len(present):
        notes.append("protocols missing from `order` left out")
    table = table[table["protocol"].isin(names)]
    means = {p: mean_ci(table.loc[table["protocol"] == p, "q"]) for p in names}
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
        tests = _games_howell(table, pairs, samples)
    results = [
        PairComparison(
            a=a,
            b=b,
            test=test,
            rel_diff=rel_diff(samples[a], samples[b], paired=complete, n_boot=n_boot, seed=seed),
            d=cohens_d(samples[a], samples[b], paired=complete),
        )
        for (a, b), test in zip(pairs, _with_holm(tests), strict=True)
    ]
    return ProtocolComparison(COMPLETE if complete else INCOMPLETE, means, omnibus, results, note)
