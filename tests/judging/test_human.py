"""Human-judge agreement: known answers, the bias's sign and interval, and no ratings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from selforg.judging.human import NO_RATINGS, human_agreement
from selforg.judging.rubric import DIMENSIONS

HUMAN = [1, 2, 2, 3, 4, 3, 1, 4]


def _ratings(scores: list[int], rater: str = "ann") -> pd.DataFrame:
    return pd.DataFrame([{"rater": rater, "run_id": f"r{i}", **dict.fromkeys(DIMENSIONS, s),
                          "rated_at": pd.Timestamp("2026-01-01"), "seconds": 10.0}
                         for i, s in enumerate(scores)])


def _judgments(per_judge: dict[str, list[int]], samples: int = 1) -> pd.DataFrame:
    return pd.DataFrame([{"run_id": f"r{i}", "judge_model": judge, "sample": k,
                          **dict.fromkeys(DIMENSIONS, s), "status": "ok"}
                         for judge, scores in per_judge.items() for i, s in enumerate(scores)
                         for k in range(samples)])


def icc_a1(x: np.ndarray, y: np.ndarray) -> float:
    """McGraw & Wong ICC(A,1) from the two-way ANOVA mean squares, by hand."""
    data = np.column_stack([x, y]).astype(float)
    n, k = data.shape
    grand = data.mean()
    msr = k * ((data.mean(axis=1) - grand) ** 2).sum() / (n - 1)
    msc = n * ((data.mean(axis=0) - grand) ** 2).sum() / (k - 1)
    sse = ((data - data.mean(axis=1, keepdims=True) - data.mean(axis=0) + grand) ** 2).sum()
    mse = sse / ((n - 1) * (k - 1))
    return float((msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n))


def test_identical_scores_agree_perfectly() -> None:
    a = human_agreement(_ratings(HUMAN), _judgments({"j1": HUMAN}), n_boot=200)
    q = a.per_measure["accuracy"]
    assert q.icc.value == pytest.approx(1.0) and q.spearman.value == pytest.approx(1.0)
    assert q.alpha.value == pytest.approx(1.0)
    assert q.bias.value == 0 and q.bias.ci_low is None and "same amount" in q.bias.note
    assert a.runs == len(HUMAN) and a.ratings == len(HUMAN) and a.unmatched == 0


def test_known_icc_spearman_and_bias() -> None:
    judge = [2, 2, 3, 4, 4, 4, 1, 4]
    a = human_agreement(_ratings(HUMAN), _judgments({"j1": judge}), n_boot=200)
    d = a.per_measure["coherence"]
    assert d.icc.value == pytest.approx(icc_a1(np.array(HUMAN), np.array(judge)), abs=1e-9)
    assert d.spearman.value == pytest.approx(sps.spearmanr(HUMAN, judge).statistic)
    diff = np.array(judge) - np.array(HUMAN)
    half = sps.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
    assert d.bias.value == pytest.approx(diff.mean()) and d.bias.value > 0
    assert (d.bias.ci_low, d.bias.ci_high) == pytest.approx((diff.mean() - half,
                                                             diff.mean() + half))
    q = a.per_measure["q"]  # Q = 4 equal scores / 16 = score / 4
    assert q.bias.value == pytest.approx(diff.mean() / 4)


def test_panel_means_judges_and_samples_and_bias_per_judge() -> None:
    high, low = [min(4, s + 1) for s in HUMAN], [max(1, s - 1) for s in HUMAN]
    a = human_agreement(_ratings(HUMAN), _judgments({"high": high, "low": low}, samples=2),
                        n_boot=200)
    d = a.per_measure["mission"]
    assert d.bias_by_judge["high"].value > 0 > d.bias_by_judge["low"].value
    panel = (np.array(high) + np.array(low)) / 2
    assert d.bias.value == pytest.approx((panel - np.array(HUMAN)).mean())


def test_raters_are_averaged_and_their_agreement_measured() -> None:
    two = pd.concat([_ratings(HUMAN, "ann"), _ratings([min(4, s + 1) for s in HUMAN], "bo")])
    a = human_agreement(two, _judgments({"j1": HUMAN}), n_boot=200)
    assert a.raters == 2 and a.runs == len(HUMAN)
    assert a.raters_alpha.value is not None and a.raters_alpha.value < 1
    assert a.per_measure["accuracy"].bias.value < 0  # the judge is below the raters' mean
    alone = human_agreement(_ratings(HUMAN), _judgments({"j1": HUMAN}), n_boot=200)
    assert alone.raters_alpha.value is None and "2 raters" in alone.raters_alpha.note


def test_ratings_of_runs_not_judged_are_left_out() -> None:
    ratings = pd.concat([_ratings(HUMAN), _ratings([3], "ann").assign(run_id="gone")])
    a = human_agreement(ratings, _judgments({"j1": HUMAN}), n_boot=200)
    assert a.unmatched == 1 and a.runs == len(HUMAN)


def test_too_few_runs_and_no_ratings_are_not_computable() -> None:
    few = human_agreement(_ratings(HUMAN[:2]), _judgments({"j1": HUMAN[:2]}), n_boot=200)
    assert few.per_measure["q"].icc.value is None and "at least 3" in few.per_measure["q"].icc.note
    assert few.per_measure["q"].spearman.value is None
    none = human_agreement(_ratings([]).iloc[0:0], _judgments({"j1": HUMAN}))
    assert none.empty
    assert all(s.note == NO_RATINGS for d in none.per_measure.values()
               for s in (d.icc, d.alpha, d.spearman, d.bias))
