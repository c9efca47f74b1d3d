"""How far the judge panel can be trusted (docs/study.md section 4), one `Stat` per question.

Inputs are judgments-table DataFrames (selforg.schema.JUDGMENTS), with a length column added
for verbosity bias. Only rows with status "ok" (when the column exists) and a non-null value
are used. Every function returns a Stat; degenerate input (one judge, one sample, too few runs,
zero variance) gives a not-computable Stat with the reason, never an exception or a made-up
number. Thresholds for the warnings of `reliability_flags` are module constants, cited in
docs/judging.md.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Literal, ParamSpec

import numpy as np
import pandas as pd
from scipy import stats as sps

from selforg.analysis.result import Stat, finite_or_none, not_computable
from selforg.judging.rubric import DIMENSIONS

N_BOOT = 2000
SEED = 0
MIN_RUNS = 3
MIN_PAIRS = 4
JUDGED_CORRECT_FROM = 3

ICC_POOR = 0.5
ICC_GOOD = 0.75
ALPHA_MIN = 0.667
ALPHA_GOOD = 0.8
RETEST_MIN = 0.7
CHANCE_BALANCED_ACCURACY = 0.5
GROUND_TRUTH_MIN = 0.75
VERBOSITY_RHO = 0.3

_Z95 = float(sps.norm.ppf(0.975))
_R_LIMIT = 1 - 1e-12
_BOOT_CHUNK = 250

ICC_TEST = (
    "ICC(2,k): two-way random effects, absolute agreement, mean of k judges "
    "(pingouin ICC(A,k), CI rounded to 2 decimals by pingouin)"
)
ALPHA_TEST = "Krippendorff's alpha over judges; percentile bootstrap over runs"
RETEST_TEST = (
    "Pearson r between a judge's first two samples of Q on the same runs; judges pooled by "
    "Fisher z (weights n-3); CI and p by Fisher z"
)
GROUND_TRUTH_TEST = (
    f"balanced accuracy of 'judged correct' (accuracy >= {JUDGED_CORRECT_FROM}) against "
    "verified_correct over (run, judge) pairs; percentile bootstrap over runs"
)
VERBOSITY_TEST = (
    "Spearman rho of run Q with final-answer length in characters; CI by Fisher z with "
    "se = sqrt(1.06/(n-3)) (Fieller et al. 1957)"
)

P = ParamSpec("P")
Level = Literal["ordinal", "interval"]


class _NotComputable(Exception):
    """Raised inside a statistic to leave early; turned into a not-computable Stat."""

    def __init__(self, reason: str, n: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.n = n


def _guarded(test: str) -> Callable[[Callable[P, Stat]], Callable[P, Stat]]:
    """Make a statistic return not_computable(reason) instead of raising `_NotComputable`."""

    def decorate(fn: Callable[P, Stat]) -> Callable[P, Stat]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> Stat:
            try:
                return fn(*args, **kwargs)
            except _NotComputable as exc:
                return not_computable(exc.reason, n=exc.n, test=test)

        return wrapper

    return decorate


def _usable(df: pd.DataFrame, columns: tuple[str, ...], values: tuple[str, ...]) -> pd.DataFrame:
    """Successful judgments with every needed column present and every value column non-null."""
    missing = [c for c in (*columns, *values) if c not in df.columns]
    if missing:
        raise _NotComputable(f"missing column(s): {', '.join(missing)}")
    rows = df[df["status"] == "ok"] if "status" in df.columns else df
    rows = rows.dropna(subset=list(values))
    if rows.empty:
        raise _NotComputable(f"no successful judgments with {', '.join(values)}")
    return rows


def _judge_means(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """Runs x judges: each judge's rating of a run, averaged over its samples."""
    means = rows.astype({column: float}).groupby(["run_id", "judge_model"])[column].mean()
    return means.unstack("judge_model")


def _run_values(rows: pd.DataFrame, column: str) -> pd.Series:
    """One value per run of a run-level column; differing values within a run are a data error."""
    per_run = rows.groupby("run_id")[column]
    if (per_run.nunique() > 1).any():
        raise _NotComputable(f"{column} differs between judgments of the same run")
    return per_run.first()


def _bootstrap_ci(
    statistic: Callable[[np.ndarray], np.ndarray], n_units: int | np.ndarray, n_boot: int,
    seed: int
) -> tuple[float | None, float | None, int]:
    """95% percentile interval over units (runs) drawn with replacement, and the valid count.

    `statistic` maps a (resamples x units) matrix of draw counts to one value per resample,
    NaN where undefined; those resamples are skipped. No interval when fewer than half of the
    resamples give a value. Resamples are made in chunks to bound memory.

    `n_units` is the number of units, or the multiplicities of distinct units: a statistic
    that only depends on how many times each distinct unit is drawn can then resample the
    distinct units (multinomial over n with probabilities multiplicity / n, the same
    distribution of counts per distinct unit), which at 25,000 runs and a few dozen distinct
    rating patterns is thousands of times less work.
    """
    sizes = np.ones(n_units) if isinstance(n_units, int) else np.asarray(n_units, dtype=float)
    total = int(sizes.sum())
    probs = sizes / total
    rng = np.random.default_rng(seed)
    draws: list[np.ndarray] = []
    for start in range(0, n_boot, _BOOT_CHUNK):
        size = min(_BOOT_CHUNK, n_boot - start)
        weights = rng.multinomial(total, probs, size=size)
        draws.append(statistic(weights.astype(float)))
    values = np.concatenate(draws) if draws else np.empty(0)
    valid = values[np.isfinite(values)]
    if len(valid) == 0 or len(valid) < n_boot / 2:
        return None, None, len(valid)
    low, high = np.percentile(valid, [2.5, 97.5])
    return float(low), float(high), len(valid)


def _fisher_z(r: float) -> float:
    """atanh(r), with r = +-1 (identical samples) pulled just inside so z stays finite."""
    return math.atanh(max(-_R_LIMIT, min(_R_LIMIT, r)))


def _fisher_interval(z: float, weight: float, se_factor: float = 1.0) -> tuple[float, float]:
    """95% CI of a correlation from its Fisher z and weight n - 3 (summed when pooled)."""
    half = _Z95 * math.sqrt(se_factor / weight)
    return math.tanh(z - half), math.tanh(z + half)


@_guarded(ICC_TEST)
def icc2k(df: pd.DataFrame) -> Stat:
    """ICC(2,k) of Q across judge models: can the panel's mean Q be trusted to rank runs?

    Targets are runs, raters are judge models, the rating is each judge's Q averaged over its
    samples. pingouin needs balanced data, so only runs rated by every judge are kept (the
    count dropped is in `extra`).
    """
    wide = _judge_means(_usable(df, ("run_id", "judge_model"), ("q",)), "q")
    n_judges = wide.shape[1]
    if n_judges < 2:
        raise _NotComputable(f"needs at least 2 judge models, have {n_judges}", n=len(wide))
    balanced = wide.dropna()
    n = len(balanced)
    if n < MIN_RUNS:
        raise _NotComputable(
            f"needs at least {MIN_RUNS} runs rated by all {n_judges} judges, have {n}", n=n
        )
    if np.ptp(balanced.to_numpy()) == 0:
        raise _NotComputable("all ratings identical (zero variance)", n=n)
    long = balanced.reset_index().melt(id_vars="run_id", var_name="judge_model", value_name="q")
    import pingouin  # heavy import, only where used

    try:
        table = pingouin.intraclass_corr(
            data=long, targets="run_id", raters="judge_model", ratings="q"
        )
    except (ValueError, AssertionError) as exc:
        raise _NotComputable(f"pingouin could not compute the ICC: {exc}", n=n) from exc
    row = table.set_index("Type").loc["ICC(A,k)"]
    value = finite_or_none(row["ICC"])
    if value is None:
        raise _NotComputable("ICC undefined for these ratings", n=n)
    ci = row["CI95"]
    dropped = len(wide) - n
    return Stat(
        value=value,
        ci_low=finite_or_none(ci[0]),
        ci_high=finite_or_none(ci[1]),
        p=finite_or_none(row["pval"]),
        n=n,
        test=ICC_TEST,
        note=f"{dropped} runs not rated by every judge left out" if dropped else "",
        extra={
            "k": n_judges,
            "F": finite_or_none(row["F"]),
            "df1": int(row["df1"]),
            "df2": int(row["df2"]),
            "runs_dropped_unbalanced": dropped,
        },
    )


def _alpha(data: np.ndarray, level: Level, domain: np.ndarray) -> float | None:
    """krippendorff.alpha, None where it is undefined (no disagreement expected by chance)."""
    import krippendorff

    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            value = krippendorff.alpha(
                reliability_data=data, level_of_measurement=level, value_domain=domain
            )
    except (ValueError, ZeroDivisionError):
        return None
    return finite_or_none(value)


def _weighted_alphas(data: np.ndarray, level: Level, weights: np.ndarray) -> np.ndarray:
    """Alpha of judges x runs `data` with run j counted weights[b, j] times, for each row b.

    Krippendorff's coincidence matrix is a sum of per-run matrices, so a bootstrap resample
    is a weighted sum: one matrix product replaces thousands of krippendorff.alpha calls.
    alpha = 1 - (n - 1) sum(o * d) / sum(n_c n_k d) (Krippendorff 2011), with the interval
    distance (c - k)^2 or the ordinal one (sum of n_g from c to k - (n_c + n_k) / 2)^2.
    Every run must have at least two ratings. NaN where alpha is undefined.
    """
    values = np.unique(data[~np.isnan(data)])
    counts = np.stack([(data == v).sum(axis=0) for v in values], axis=1).astype(float)
    others = counts.sum(axis=1) - 1
    n_c = weights @ counts
    n = n_c.sum(axis=1)
    if level == "interval":
        sums, squares = counts @ values, counts @ values**2
        observed = weights @ (2 * ((others + 1) * squares - sums**2) / others)
        expected = 2 * (n * (n_c @ values**2) - (n_c @ values) ** 2)
    else:
        k = len(values)
        pairs = counts[:, :, None] * counts[:, None, :] - counts[:, :, None] * np.eye(k)
        coincidences = (weights @ (pairs / others[:, None, None]).reshape(-1, k * k)).reshape(
            -1, k, k
        )
        cum = np.cumsum(n_c, axis=1)
        delta = (cum[:, None, :] - cum[:, :, None] + (n_c[:, :, None] - n_c[:, None, :]) / 2) ** 2
        observed = (coincidences * delta).sum(axis=(1, 2))
        expected = np.einsum("bc,bk,bck->b", n_c, n_c, delta)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(1 - (n - 1) * observed / expected)


@_guarded(ALPHA_TEST)
def krippendorff_alpha(
    df: pd.DataFrame, dimension: str = "q", *, n_boot: int = N_BOOT, seed: int = SEED
) -> Stat:
    """Krippendorff's alpha of one dimension across judge models, with a bootstrap CI.

    Ordinal for the 1-4 scores (and m), interval for q. Each judge's rating of a run is its
    mean over samples (a mean such as 2.5 ranks between 2 and 3). Unlike the ICC, alpha uses
    runs with missing judges too, as long as at least two judges rated them. The CI resamples
    runs with replacement (seeded); resamples where alpha is undefined are skipped, and their
    count is in `extra`.
    """
    if dimension not in (*DIMENSIONS, "q", "m"):
        raise _NotComputable(f"unknown dimension {dimension!r}")
    level: Level = "interval" if dimension == "q" else "ordinal"
    wide = _judge_means(_usable(df, ("run_id", "judge_model"), (dimension,)), dimension)
    if wide.shape[1] < 2:
        raise _NotComputable(f"needs at least 2 judge models, have {wide.shape[1]}", n=len(wide))
    pairable = wide[wide.notna().sum(axis=1) >= 2]
    n = len(pairable)
    if n < MIN_RUNS:
        raise _NotComputable(f"needs at least {MIN_RUNS} runs rated by 2+ judges, have {n}", n=n)
    data = pairable.to_numpy(dtype=float).T
    domain = np.unique(data[~np.isnan(data)])
    if len(domain) < 2:
        raise _NotComputable("all ratings identical (zero variance): alpha undefined", n=n)
    value = _alpha(data, level, domain)
    if value is None:
        raise _NotComputable("alpha undefined for these ratings", n=n)
    # Runs with the same ratings contribute the same coincidences: resample rating patterns.
    filled = np.where(np.isnan(data), -1.0, data)
    patterns, multiplicity = np.unique(filled, axis=1, return_counts=True)
    patterns = np.where(patterns == -1.0, np.nan, patterns)
    low, high, valid = _bootstrap_ci(
        lambda weights: _weighted_alphas(patterns, level, weights), multiplicity, n_boot, seed
    )
    return Stat(
        value=value,
        ci_low=low,
        ci_high=high,
        n=n,
        test=f"{ALPHA_TEST} ({n_boot} resamples)",
        extra={
            "dimension": dimension,
            "level_of_measurement": level,
            "judges": wide.shape[1],
            "valid_resamples": valid,
        },
    )


def _retest_pairs(group: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | str:
    """Q of a judge's first two samples on the runs that have both, or why there are none."""
    samples = sorted(group["sample"].unique())
    if len(samples) < 2:
        return "one sample only"
    first, second = samples[:2]
    wide = group.pivot_table(index="run_id", columns="sample", values="q", aggfunc="mean")
    both = wide[[first, second]].dropna()
    if len(both) < MIN_PAIRS:
        return f"{len(both)} runs with both samples (needs {MIN_PAIRS})"
    x, y = both[first].to_numpy(dtype=float), both[second].to_numpy(dtype=float)
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return "constant scores in a sample"
    return x, y


@_guarded(RETEST_TEST)
def test_retest(df: pd.DataFrame) -> Stat:
    """Does a judge give the same answer the same Q when asked again? Pearson r of samples.

    Per judge: Pearson r between its first two samples (lowest sample indices) on the runs
    that have both. Judges are pooled by averaging Fisher z weighted by n-3, so with one judge
    the value is exactly that judge's r. Per-judge figures and skipped judges are in `extra`.
    """
    rows = _usable(df, ("run_id", "judge_model", "sample"), ("q",)).astype({"q": float})
    per_judge: dict[str, dict[str, float]] = {}
    skipped: dict[str, str] = {}
    identical = 0
    for judge, group in rows.groupby("judge_model"):
        pairs = _retest_pairs(group)
        if isinstance(pairs, str):
            skipped[str(judge)] = pairs
            continue
        x, y = pairs
        per_judge[str(judge)] = {"r": float(sps.pearsonr(x, y).statistic), "n": len(x)}
        identical += int(np.sum(x == y))
    if not per_judge:
        raise _NotComputable("; ".join(f"{j}: {why}" for j, why in skipped.items()))
    weight = sum(v["n"] - 3 for v in per_judge.values())
    z = sum((v["n"] - 3) * _fisher_z(v["r"]) for v in per_judge.values()) / weight
    low, high = _fisher_interval(z, weight)
    n = int(sum(v["n"] for v in per_judge.values()))
    all_identical = identical == n
    return Stat(
        value=math.tanh(z),
        ci_low=low,
        ci_high=high,
        p=float(2 * sps.norm.sf(abs(z) * math.sqrt(weight))),
        n=n,
        test=RETEST_TEST,
        note=(
            "every repeated sample is identical: check the judge temperature and that the "
            "call cache keys on the sample index" if all_identical else ""
        ),
        extra={"per_judge": per_judge, "skipped": skipped, "identical_share": identical / n},
    )


def _agreement(judged: np.ndarray, truth: np.ndarray) -> float | None:
    """Balanced accuracy (mean of sensitivity and specificity); None without both classes."""
    if truth.all() or not truth.any():
        return None
    return float((judged[truth].mean() + (~judged[~truth]).mean()) / 2)


def _kappa(judged: np.ndarray, truth: np.ndarray) -> float | None:
    """Cohen's kappa of two binary raters; None when chance agreement is total."""
    observed = float((judged == truth).mean())
    expected = float(judged.mean() * truth.mean() + (1 - judged.mean()) * (1 - truth.mean()))
    return None if expected == 1 else (observed - expected) / (1 - expected)


def checker_coverage(df: pd.DataFrame) -> dict[str, object]:
    """How many verifiable answers (runs with a checker verdict) the checker decided, and why
    it could not decide the others (the first clause of each undecidable verdict, counted).
    Empty without a `verdict` column (tables written before the checker had three values)."""
    if "verdict" not in df.columns:
        return {}
    per_run = df.dropna(subset=["verdict"]).groupby("run_id")["verdict"].first().astype(str)
    undecided = per_run[per_run.str.startswith("undecidable")]
    reasons = undecided.str.removeprefix("undecidable: ").str.split(";").str[0].value_counts()
    return {
        "verifiable_answers": len(per_run),
        "decidable_answers": len(per_run) - len(undecided),
        "undecidable_answers": len(undecided),
        "undecidable_reasons": {str(k): int(v) for k, v in reasons.items()},
    }


def coverage_text(coverage: Mapping[str, object]) -> str:
    """'the checker decided 9 of 12 verifiable answers (3 undecidable: ...)', or ''."""
    if not coverage:
        return ""
    text = (f"the checker decided {coverage['decidable_answers']} of "
            f"{coverage['verifiable_answers']} verifiable answers")
    reasons = coverage["undecidable_reasons"]
    if coverage["undecidable_answers"] and isinstance(reasons, dict):
        why = "; ".join(f"{n} {reason}" for reason, n in reasons.items())
        text += f" ({coverage['undecidable_answers']} undecidable, left out: {why})"
    return text


def ground_truth_agreement(
    df_with_verified: pd.DataFrame, *, n_boot: int = N_BOOT, seed: int = SEED
) -> Stat:
    """On verifiable tasks: does the judge's accuracy score tell correct answers from wrong?

    Only answers the checker decided count: an undecidable verdict has verified_correct null
    and is left out; how many verifiable answers were decidable is in `extra` (keys of
    `checker_coverage`) and in the note, also when the statistic is not computable.
    """
    coverage = checker_coverage(df_with_verified)
    stat = _ground_truth_agreement(df_with_verified, n_boot=n_boot, seed=seed)
    note = "; ".join(x for x in (stat.note, coverage_text(coverage)) if x)
    return replace(stat, note=note, extra={**stat.extra, **coverage})


@_guarded(GROUND_TRUTH_TEST)
def _ground_truth_agreement(
    df_with_verified: pd.DataFrame, *, n_boot: int = N_BOOT, seed: int = SEED
) -> Stat:
    """The unit is a (run, judge) pair: its accuracy averaged over samples, "judged correct"
    when that mean is at least 3. The value is balanced accuracy (0.5 = chance, robust to how
    many answers are correct). `extra` has Cohen's kappa, sensitivity, specificity and the
    point-biserial correlation of mean accuracy (1-4) with verified_correct. The CI resamples
    runs (all judges of a run together), seeded.
    """
    rows = _usable(
        df_with_verified, ("run_id", "judge_model"), ("accuracy", "verified_correct")
    )
    truth_by_run = _run_values(rows, "verified_correct").astype(bool)
    scores = _judge_means(rows, "accuracy").stack().dropna().rename("accuracy").reset_index()
    truth = truth_by_run.loc[scores["run_id"]].to_numpy()
    accuracy = scores["accuracy"].to_numpy(dtype=float)
    judged = accuracy >= JUDGED_CORRECT_FROM
    n = len(scores)
    value = _agreement(judged, truth)
    if value is None:
        side = "correct" if truth.all() else "incorrect"
        raise _NotComputable(f"every verified answer is {side}: needs both classes", n=n)
    by_run = pd.DataFrame({
        "run_id": scores["run_id"],
        "hit": judged & truth,
        "correct": truth,
        "rejection": ~judged & ~truth,
        "incorrect": ~truth,
    }).groupby("run_id").sum().to_numpy(dtype=float)

    def resampled(weights: np.ndarray) -> np.ndarray:
        hit, correct, rejection, incorrect = (weights @ by_run).T
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray((hit / correct + rejection / incorrect) / 2)

    low, high, valid = _bootstrap_ci(resampled, len(by_run), n_boot, seed)
    point_biserial = (
        sps.pearsonr(accuracy, truth.astype(float)) if np.ptp(accuracy) > 0 else None
    )
    return Stat(
        value=value,
        ci_low=low,
        ci_high=high,
        n=n,
        test=f"{GROUND_TRUTH_TEST} ({n_boot} resamples)",
        extra={
            "cohen_kappa": _kappa(judged, truth),
            "sensitivity": float(judged[truth].mean()),
            "specificity": float((~judged[~truth]).mean()),
            "point_biserial": None if point_biserial is None else float(point_biserial.statistic),
            "point_biserial_p": None if point_biserial is None else float(point_biserial.pvalue),
            "runs": len(by_run),
            "valid_resamples": valid,
            "verified_correct": int(truth_by_run.sum()),
            "verified_incorrect": int((~truth_by_run).sum()),
        },
    )


@_guarded(VERBOSITY_TEST)
def verbosity_bias(df_with_length: pd.DataFrame) -> Stat:
    """Does Q rise with answer length? Spearman rho of run Q with length in characters.

    Length comes from an `answer_chars` column, or else from the length of `final_answer`
    (judgments joined with runs). Run Q is the panel mean: each judge's mean over samples,
    averaged over judges (docs/study.md section 4).
    """
    df = df_with_length
    if "answer_chars" not in df.columns and "final_answer" in df.columns:
        df = df.assign(answer_chars=df["final_answer"].str.len())
    rows = _usable(df, ("run_id", "judge_model"), ("q", "answer_chars"))
    run_q = _judge_means(rows, "q").mean(axis=1)
    length = _run_values(rows, "answer_chars").astype(float).loc[run_q.index]
    n = len(run_q)
    if n < MIN_PAIRS:
        raise _NotComputable(f"needs at least {MIN_PAIRS} runs, have {n}", n=n)
    if np.ptp(run_q.to_numpy()) == 0 or np.ptp(length.to_numpy()) == 0:
        raise _NotComputable("Q or answer length is constant over runs", n=n)
    result = sps.spearmanr(run_q.to_numpy(), length.to_numpy())
    rho = float(result.statistic)
    low, high = _fisher_interval(_fisher_z(rho), n - 3, se_factor=1.06)
    return Stat(
        value=rho,
        ci_low=low,
        ci_high=high,
        p=finite_or_none(result.pvalue),
        n=n,
        test=VERBOSITY_TEST,
        extra={"length_unit": "characters"},
    )


def panel_reliability(
    df: pd.DataFrame, *, n_boot: int = N_BOOT, seed: int = SEED
) -> dict[str, Stat]:
    """Every panel statistic under the key `reliability_flags` expects.

    `df` is the judgments table joined with runs (for `final_answer`), or carrying an
    `answer_chars` column. Alpha is reported for q and for each rubric dimension.
    """
    def alpha(dimension: str) -> Stat:
        # A not-computable alpha carries no extras; its flag still has to name the dimension.
        stat = krippendorff_alpha(df, dimension, n_boot=n_boot, seed=seed)
        return replace(stat, extra={"dimension": dimension, **stat.extra})

    stats = {"icc2k": icc2k(df), "krippendorff_alpha": alpha("q")}
    for dim in DIMENSIONS:
        stats[f"krippendorff_alpha_{dim}"] = alpha(dim)
    stats["test_retest"] = test_retest(df)
    stats["ground_truth_agreement"] = ground_truth_agreement(df, n_boot=n_boot, seed=seed)
    stats["verbosity_bias"] = verbosity_bias(df)
    return stats


def _ci_text(stat: Stat) -> str:
    if stat.ci_low is None or stat.ci_high is None:
        return ""
    return f" [95% CI {stat.ci_low:.2f}, {stat.ci_high:.2f}]"


def _icc_flags(stat: Stat) -> list[str]:
    if stat.value is None:
        return [f"ICC(2,k) not computable ({stat.note}): agreement between judges is unknown"]
    head = f"ICC(2,k) = {stat.value:.2f}{_ci_text(stat)}"
    if stat.value < ICC_POOR:
        return [f"{head} < {ICC_POOR} (poor, Koo & Li 2016): judges disagree; "
                "treat Q differences with caution"]
    if stat.value < ICC_GOOD:
        return [f"{head} < {ICC_GOOD} (moderate, Koo & Li 2016): judges agree only "
                "moderately; treat small Q differences with caution"]
    if stat.ci_low is not None and stat.ci_low < ICC_POOR:
        return [f"{head}: the interval reaches below {ICC_POOR} (poor, Koo & Li 2016)"]
    return []


def _alpha_flags(stat: Stat) -> list[str]:
    label = f"Krippendorff's alpha ({stat.extra.get('dimension', 'q')})"
    if stat.value is None:
        return [f"{label} not computable ({stat.note}): agreement between judges is unknown"]
    head = f"{label} = {stat.value:.2f}{_ci_text(stat)}"
    if stat.value < ALPHA_MIN:
        return [f"{head} < {ALPHA_MIN} (Krippendorff 2004): judges are unreliable here; "
                "draw no conclusions from this score"]
    if stat.value < ALPHA_GOOD:
        return [f"{head} < {ALPHA_GOOD} (Krippendorff 2004): tentative conclusions only"]
    return []


def _retest_flags(stat: Stat) -> list[str]:
    if stat.value is None:
        return [f"test-retest not computable ({stat.note}): judge consistency is unknown"]
    flags = []
    if stat.value < RETEST_MIN:
        flags.append(f"test-retest r = {stat.value:.2f}{_ci_text(stat)} < {RETEST_MIN}: a judge "
                     "scores the same answer differently when asked again")
    if stat.extra.get("identical_share") == 1:
        flags.append(f"test-retest: {stat.note}")
    return flags


def _ground_truth_flags(stat: Stat) -> list[str]:
    if stat.value is None:
        return [f"ground-truth agreement not computable ({stat.note}): whether judges "
                "recognise correct answers is unknown"]
    head = f"judge vs ground truth: balanced accuracy = {stat.value:.2f}{_ci_text(stat)}"
    chance = CHANCE_BALANCED_ACCURACY
    if stat.value <= chance or (stat.ci_low is not None and stat.ci_low <= chance):
        return [f"{head}: not distinguishable from chance ({chance}); the judges' accuracy "
                "score does not tell correct answers from wrong ones"]
    if stat.value < GROUND_TRUTH_MIN:
        return [f"{head} < {GROUND_TRUTH_MIN}: judges often misjudge correctness"]
    return []


def _verbosity_flags(stat: Stat) -> list[str]:
    if stat.value is None:
        return [f"verbosity bias not computable ({stat.note})"]
    head = f"Spearman rho(Q, answer length) = {stat.value:.2f}{_ci_text(stat)}"
    direction = "rises" if stat.value > 0 else "falls"
    excludes_zero = (
        stat.ci_low is not None and stat.ci_high is not None
        and (stat.ci_low > 0 or stat.ci_high < 0)
    )
    if excludes_zero:
        return [f"{head}: Q {direction} with answer length; compare protocols with answer "
                "length in mind"]
    if abs(stat.value) >= VERBOSITY_RHO:
        return [f"{head}: Q may {direction[:-1]} with answer length (interval includes 0)"]
    return []


_FLAG_RULES: dict[str, Callable[[Stat], list[str]]] = {
    "icc2k": _icc_flags,
    "krippendorff_alpha": _alpha_flags,
    "test_retest": _retest_flags,
    "ground_truth_agreement": _ground_truth_flags,
    "verbosity_bias": _verbosity_flags,
}


def _rule(key: str) -> Callable[[Stat], list[str]] | None:
    """The flag rule of a key: its exact name or name + "_suffix" (krippendorff_alpha_coherence)."""
    for name, rule in _FLAG_RULES.items():
        if key == name or key.startswith(f"{name}_"):
            return rule
    return None


def reliability_flags(stats: Mapping[str, Stat]) -> list[str]:
    """Human-readable warnings for the top of the report, in the order of `stats`.

    Keys follow `panel_reliability`; keys matching no rule produce no warning. A statistic
    that is not computable is itself a warning: the check it stands for did not happen.
    """
    flags: list[str] = []
    for key, stat in stats.items():
        rule = _rule(key)
        if rule is not None:
            flags.extend(rule(stat))
    return flags

