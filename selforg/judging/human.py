"""Do the judges agree with people? Human-judge agreement and the judges' bias, per dimension.

Inputs are the human_ratings table (blind ratings from `selforg rate`) and the judgments table
(baseline runs). For each rubric dimension and for Q, a run's human value is the mean over its
raters and its judge value the panel's (each judge's mean over samples, then the mean over
judges, as the study's Q). On the runs both rated:
- ICC(A,1): two-way random effects, absolute agreement, single rater, with the panel and the
  human mean as the two raters: can the panel's score stand in for a person's?
- Krippendorff's alpha between the two (ordinal for 1-4 scores, interval for Q), with a
  bootstrap CI over runs (`reliability.krippendorff_alpha`).
- Spearman rho: do they rank runs alike, whatever the offset? CI by Fisher z.
- Bias: the mean of judge minus human, for the panel and each judge model, with a t interval
  (positive = the judges score higher than people do).
With two or more raters, Krippendorff's alpha of Q between the raters says how far people
agree among themselves, the ceiling any judge can be held to. Every statistic is a `Stat`;
with no ratings each is "not computable (no human ratings yet)".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps

from selforg.analysis.result import Stat, finite_or_none, not_computable
from selforg.judging.reliability import (
    MIN_PAIRS,
    MIN_RUNS,
    _fisher_interval,
    _fisher_z,
    krippendorff_alpha,
)
from selforg.judging.rubric import DIMENSIONS, QUALITY_DIMENSIONS

NO_RATINGS = "no human ratings yet"
HUMAN, PANEL = "human", "judges"
MEASURES: tuple[str, ...] = (*DIMENSIONS, "q")

ICC_TEST = ("ICC(A,1): two-way random effects, absolute agreement, single rater; raters = "
            "human mean and judge-panel mean (pingouin)")
SPEARMAN_TEST = "Spearman rho of human mean and panel mean over runs; CI by Fisher z (se 1.06)"
BIAS_TEST = "mean of judge minus human mean over runs; 95% t interval"


@dataclass(frozen=True)
class DimensionAgreement:
    """Agreement of the judges with people on one dimension (or on Q)."""

    icc: Stat
    alpha: Stat
    spearman: Stat
    bias: Stat
    bias_by_judge: dict[str, Stat] = field(default_factory=dict)


@dataclass(frozen=True)
class HumanAgreement:
    """Everything the report's human-ratings section shows.

    ratings / raters: rows and distinct raters of the ratings table; runs: runs both rated by
    people and judged; unmatched: ratings of runs with no judged baseline run in this study
    (left out). per_measure: keyed by dimension name and "q".
    """

    ratings: int
    raters: int
    runs: int
    unmatched: int
    per_measure: dict[str, DimensionAgreement]
    raters_alpha: Stat

    @property
    def empty(self) -> bool:
        return self.ratings == 0

    @classmethod
    def none(cls) -> HumanAgreement:
        """The agreement of a study nobody has rated yet: every statistic not computable."""
        missing = not_computable(NO_RATINGS)
        blank = DimensionAgreement(missing, missing, missing, missing)
        return cls(0, 0, 0, 0, dict.fromkeys(MEASURES, blank), missing)


def _with_q(frame: pd.DataFrame) -> pd.DataFrame:
    scores = frame[list(QUALITY_DIMENSIONS)].astype(float)
    return frame.assign(q=scores.sum(axis=1) / 16)


def human_means(ratings: pd.DataFrame) -> pd.DataFrame:
    """Runs x measures: each run's scores averaged over its raters (q per rating first)."""
    rated = _with_q(ratings).astype({d: float for d in DIMENSIONS})
    return rated.groupby("run_id")[list(MEASURES)].mean()


def judge_means(judgments: pd.DataFrame) -> pd.DataFrame:
    """(run, judge) x measures: each judge's mean over its ok samples of a run."""
    ok = judgments[judgments["status"] == "ok"].dropna(subset=list(DIMENSIONS))
    ok = _with_q(ok).astype({d: float for d in DIMENSIONS})
    return ok.groupby(["run_id", "judge_model"])[list(MEASURES)].mean()


def _icc(human: pd.Series, panel: pd.Series) -> Stat:
    n = len(human)
    if n < MIN_RUNS:
        return not_computable(f"needs at least {MIN_RUNS} runs rated by people and judges, "
                              f"have {n}", n=n, test=ICC_TEST)
    values = np.concatenate([human.to_numpy(), panel.to_numpy()])
    if np.ptp(values) == 0:
        return not_computable("all scores identical (zero variance)", n=n, test=ICC_TEST)
    long = pd.DataFrame({"run_id": [*human.index, *panel.index],
                         "rater": [HUMAN] * n + [PANEL] * n, "score": values})
    import pingouin  # heavy import, only where used

    try:
        with np.errstate(divide="ignore", invalid="ignore"):  # perfect agreement: no CI
            table = pingouin.intraclass_corr(data=long, targets="run_id", raters="rater",
                                             ratings="score")
    except (ValueError, AssertionError) as exc:
        return not_computable(f"pingouin could not compute the ICC: {exc}", n=n, test=ICC_TEST)
    row = table.set_index("Type").loc["ICC(A,1)"]
    value = finite_or_none(row["ICC"])
    if value is None:
        return not_computable("ICC undefined for these scores", n=n, test=ICC_TEST)
    return Stat(value=value, ci_low=finite_or_none(row["CI95"][0]),
                ci_high=finite_or_none(row["CI95"][1]), p=finite_or_none(row["pval"]), n=n,
                test=ICC_TEST)


def _alpha(human: pd.Series, panel: pd.Series, measure: str, n_boot: int, seed: int) -> Stat:
    """Krippendorff's alpha with the human mean and the panel mean as the two raters."""
    long = pd.DataFrame({"run_id": [*human.index, *panel.index],
                         "judge_model": [HUMAN] * len(human) + [PANEL] * len(panel),
                         measure: [*human.to_numpy(), *panel.to_numpy()]})
    return krippendorff_alpha(long, measure, n_boot=n_boot, seed=seed)


def _spearman(human: pd.Series, panel: pd.Series) -> Stat:
    n = len(human)
    if n < MIN_PAIRS:
        return not_computable(f"needs at least {MIN_PAIRS} runs rated by people and judges, "
                              f"have {n}", n=n, test=SPEARMAN_TEST)
    if np.ptp(human.to_numpy()) == 0 or np.ptp(panel.to_numpy()) == 0:
        return not_computable("human or judge scores constant over runs", n=n,
                              test=SPEARMAN_TEST)
    result = sps.spearmanr(human.to_numpy(), panel.to_numpy())
    rho = float(result.statistic)
    low, high = _fisher_interval(_fisher_z(rho), n - 3, se_factor=1.06)
    return Stat(value=rho, ci_low=low, ci_high=high, p=finite_or_none(result.pvalue), n=n,
                test=SPEARMAN_TEST)


def _bias(judge: pd.Series, human: pd.Series) -> Stat:
    """Mean of judge - human over the runs both scored, with a 95% t interval."""
    both = pd.concat([judge.rename("judge"), human.rename("human")], axis=1).dropna()
    diff = (both["judge"] - both["human"]).to_numpy(dtype=float)
    n = len(diff)
    if n < 2:
        return not_computable(f"needs at least 2 runs rated by people and judges, have {n}",
                              n=n, test=BIAS_TEST)
    mean, sd = float(diff.mean()), float(diff.std(ddof=1))
    if sd == 0:
        return Stat(value=mean, n=n, test=BIAS_TEST,
                    note="every run differs by the same amount: no interval")
    half = float(sps.t.ppf(0.975, n - 1)) * sd / np.sqrt(n)
    return Stat(value=mean, ci_low=mean - half, ci_high=mean + half, n=n, test=BIAS_TEST)


def _raters_alpha(ratings: pd.DataFrame, n_boot: int, seed: int) -> Stat:
    raters = ratings["rater"].nunique()
    if raters < 2:
        return not_computable(f"needs at least 2 raters, have {raters}", n=raters)
    long = _with_q(ratings).rename(columns={"rater": "judge_model"})
    return krippendorff_alpha(long, "q", n_boot=n_boot, seed=seed)


def human_agreement(ratings: pd.DataFrame, judgments: pd.DataFrame, *, n_boot: int = 2000,
                    seed: int = 0) -> HumanAgreement:
    """Every human-judge statistic of the study; not computable ones say why."""
    if ratings.empty:
        return HumanAgreement.none()
    human = human_means(ratings)
    per_judge = judge_means(judgments)
    panel = per_judge.groupby("run_id").mean()
    runs = human.index.intersection(panel.index)
    unmatched = int((~ratings["run_id"].isin(runs)).sum())
    out: dict[str, DimensionAgreement] = {}
    for measure in MEASURES:
        h, p = human.loc[runs, measure], panel.loc[runs, measure]
        by_judge = {str(judge): _bias(rows.droplevel("judge_model")[measure], h)
                    for judge, rows in per_judge.groupby(level="judge_model")}
        out[measure] = DimensionAgreement(icc=_icc(h, p), alpha=_alpha(h, p, measure, n_boot,
                                                                       seed),
                                          spearman=_spearman(h, p), bias=_bias(p, h),
                                          bias_by_judge=by_judge)
    return HumanAgreement(ratings=len(ratings), raters=int(ratings["rater"].nunique()),
                          runs=len(runs), unmatched=unmatched, per_measure=out,
                          raters_alpha=_raters_alpha(ratings, n_boot, seed))


def human_metrics(agreement: HumanAgreement) -> Mapping[str, Stat | int]:
    """The metrics.json figures: counts, and per measure ICC, alpha, rho and the panel's bias
    (keys `human.<stat>_<measure>`; selforg.reporting writes them with their CIs)."""
    figures: dict[str, Stat | int] = {"human.ratings": agreement.ratings,
                                      "human.raters": agreement.raters,
                                      "human.runs": agreement.runs}
    for measure, a in agreement.per_measure.items():
        for name, stat in (("icc", a.icc), ("alpha", a.alpha), ("spearman", a.spearman),
                           ("bias", a.bias)):
            figures[f"human.{name}_{measure}"] = stat
    figures["human.raters_alpha_q"] = agreement.raters_alpha
    return figures
