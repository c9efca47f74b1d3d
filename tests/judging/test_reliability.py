"""Panel reliability statistics, each checked against an independent computation.

Statistics are reached through the module (`rel.test_retest`), never imported by name: pytest
would collect a function called test_retest as a test.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import krippendorff
import numpy as np
import pandas as pd
import pingouin
import pytest
from scipy import stats as sps

from selforg.judging import reliability as rel
from selforg.judging.rubric import DIMENSIONS

Z95 = 1.959963984540054

# Shrout & Fleiss (1979), table 2: 6 targets rated by 4 judges; ICC(2,k) = 0.62 (their table 4).
SHROUT_FLEISS = np.array(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]],
    dtype=float,
)

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: 4 observers,
# 12 units, values 1-5, missing data; published alpha: ordinal 0.815, interval 0.849.
NAN = math.nan
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)


def judgments(ratings: Mapping[str, Sequence[float]], column: str = "q") -> pd.DataFrame:
    """One row per (judge, run): ratings[judge][i] rates run i; NaN means no row (call failed)."""
    return pd.DataFrame(
        [
            {"run_id": f"r{i:03d}", "judge_model": judge, "sample": 0, column: value,
             "status": "ok"}
            for judge, values in ratings.items()
            for i, value in enumerate(values)
            if not math.isnan(value)
        ]
    )


def matrix_frame(matrix: np.ndarray, column: str = "q") -> pd.DataFrame:
    """Judgments from a judges x runs matrix."""
    return judgments({f"j{k}": list(row) for k, row in enumerate(matrix)}, column)


def samples_frame(
    first: Sequence[float], second: Sequence[float], judge: str = "A"
) -> pd.DataFrame:
    """Two samples of one judge on the same runs."""
    rows = [
        {"run_id": f"r{i:03d}", "judge_model": judge, "sample": s, "q": v, "status": "ok"}
        for s, values in enumerate((first, second))
        for i, v in enumerate(values)
    ]
    return pd.DataFrame(rows)


def panel(n_runs: int, judges: Sequence[str], samples: int, noise: float, seed: int = 0
          ) -> pd.DataFrame:
    """Synthetic panel: each judge scores each run `samples` times around the run's true level.

    Judges whose noise is large relative to the spread of true levels are noise, as the
    embedded judge is. Even-numbered runs are verified correct and better on average; answer
    length is unrelated to quality.
    """
    rng = np.random.default_rng(seed)
    level = rng.uniform(1, 4, n_runs)
    correct = np.arange(n_runs) % 2 == 0
    level[correct] = np.clip(level[correct] + 1.0, 1, 4)
    length = rng.integers(200, 4000, n_runs)
    rows = []
    for i in range(n_runs):
        for judge in judges:
            for sample in range(samples):
                scores = np.clip(np.rint(level[i] + rng.normal(0, noise, 5)), 1, 4).astype(int)
                rows.append({
                    "run_id": f"r{i:03d}", "judge_model": judge, "sample": sample,
                    **dict(zip(DIMENSIONS, (int(v) for v in scores), strict=True)),
                    "q": scores[:4].sum() / 16, "m": scores[4] / 4, "rationale": "",
                    "verified_correct": bool(correct[i]), "status": "ok",
                    "final_answer": "x" * int(length[i]),
                })
    return pd.DataFrame(rows)


def hand_icc2k(y: np.ndarray) -> float:
    """ICC(2,k) from two-way ANOVA mean squares (Shrout & Fleiss 1979), runs x judges."""
    n, k = y.shape
    grand = y.mean()
    ss_rows = k * ((y.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((y.mean(axis=0) - grand) ** 2).sum()
    ss_err = ((y - grand) ** 2).sum() - ss_rows - ss_cols
    ms_r, ms_c = ss_rows / (n - 1), ss_cols / (k - 1)
    ms_e = ss_err / ((n - 1) * (k - 1))
    return float((ms_r - ms_e) / (ms_r + (ms_c - ms_e) / n))


def hand_alpha(data: np.ndarray, level: str) -> float:
    """Krippendorff's alpha from the coincidence matrix (Krippendorff 2011), coders x units."""
    pairable = [col[~np.isnan(col)] for col in data.T if (~np.isnan(col)).sum() >= 2]
    values = sorted({float(v) for col in pairable for v in col})
    index = {v: i for i, v in enumerate(values)}
    o = np.zeros((len(values), len(values)))
    for col in pairable:
        for a in range(len(col)):
            for b in range(len(col)):
                if a != b:
                    o[index[col[a]], index[col[b]]] += 1 / (len(col) - 1)
    n_c = o.sum(axis=1)
    n = n_c.sum()

    def delta(c: int, k: int) -> float:
        if level == "interval":
            return (values[c] - values[k]) ** 2
        lo, hi = min(c, k), max(c, k)
        return float(n_c[lo : hi + 1].sum() - (n_c[c] + n_c[k]) / 2) ** 2

    d = np.array([[delta(c, k) for k in range(len(values))] for c in range(len(values))])
    return float(1 - (n - 1) * (o * d).sum() / (np.outer(n_c, n_c) * d).sum())


# ICC(2,k)


def test_icc2k_matches_shrout_fleiss_pingouin_and_the_anova_formula() -> None:
    stat = rel.icc2k(matrix_frame(SHROUT_FLEISS.T / 10))
    assert stat.value == pytest.approx(0.62, abs=0.005)
    assert stat.value == pytest.approx(hand_icc2k(SHROUT_FLEISS), abs=1e-9)
    long = pd.DataFrame(
        [(t, r, SHROUT_FLEISS[t, r]) for t in range(6) for r in range(4)],
        columns=["target", "rater", "rating"],
    )
    direct = pingouin.intraclass_corr(long, targets="target", raters="rater", ratings="rating")
    row = direct.set_index("Type").loc["ICC(A,k)"]
    assert (stat.ci_low, stat.ci_high) == pytest.approx((row["CI95"][0], row["CI95"][1]))
    assert stat.p == pytest.approx(row["pval"])
    assert stat.n == 6
    assert stat.extra["k"] == 4


def test_icc2k_averages_samples_and_keeps_only_runs_rated_by_all() -> None:
    base = matrix_frame(SHROUT_FLEISS.T / 10)
    shifted = base.assign(sample=1, q=base["q"] + np.where(base.index % 2 == 0, 0.05, -0.05))
    doubled = pd.concat([base.assign(q=base["q"] * 2 - shifted["q"]), shifted])
    extra = pd.DataFrame([{"run_id": "r999", "judge_model": "j0", "sample": 0, "q": 0.5,
                           "status": "ok"}])
    failed = base.head(1).assign(q=None, status="failed")
    stat = rel.icc2k(pd.concat([doubled, extra, failed]))
    assert stat.value == pytest.approx(hand_icc2k(SHROUT_FLEISS))
    assert stat.extra["runs_dropped_unbalanced"] == 1
    assert "1 runs not rated by every judge" in stat.note


def test_icc2k_near_one_for_agreeing_judges_and_low_for_noise() -> None:
    assert rel.icc2k(panel(40, ["a", "b", "c"], 1, noise=0.2)).value > 0.9
    noise = panel(40, ["a", "b", "c"], 1, noise=0.0, seed=1)
    rng = np.random.default_rng(2)
    noise["q"] = rng.integers(4, 17, len(noise)) / 16
    stat = rel.icc2k(noise)
    assert stat.value is not None and stat.value < 0.5
    assert stat.ci_low is not None and stat.ci_low < 0


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (judgments({"a": [0.5, 0.7, 0.9, 0.3]}), "at least 2 judge models, have 1"),
        (judgments({"a": [0.5, 0.7], "b": [0.6, 0.8]}), "at least 3 runs"),
        (judgments({"a": [0.5, 0.7, NAN], "b": [0.6, NAN, 0.8]}), "at least 3 runs"),
        (judgments({"a": [0.5, 0.5, 0.5], "b": [0.5, 0.5, 0.5]}), "zero variance"),
        (judgments({"a": [0.5, 0.7, 0.9]}).drop(columns="q"), "missing column(s): q"),
        (judgments({"a": [0.5]}).assign(status="failed"), "no successful judgments"),
    ],
)
def test_icc2k_not_computable(frame: pd.DataFrame, reason: str) -> None:
    stat = rel.icc2k(frame)
    assert stat.value is None
    assert reason in stat.note
    assert stat.test == rel.ICC_TEST


# Krippendorff's alpha


def test_alpha_reproduces_krippendorff_2011() -> None:
    ordinal = rel.krippendorff_alpha(matrix_frame(KRIPPENDORFF_2011, "accuracy"), "accuracy",
                                     n_boot=50)
    interval = rel.krippendorff_alpha(matrix_frame(KRIPPENDORFF_2011 / 16), "q", n_boot=50)
    assert ordinal.value == pytest.approx(0.815, abs=0.0005)
    assert interval.value == pytest.approx(0.849, abs=0.0005)
    assert ordinal.extra["level_of_measurement"] == "ordinal"
    assert interval.extra["level_of_measurement"] == "interval"
    assert ordinal.n == 11, "the unit coded by one observer only is not pairable"


@pytest.mark.parametrize("level", ["ordinal", "interval"])
def test_alpha_matches_the_package_and_a_hand_computation(level: str) -> None:
    rng = np.random.default_rng(11)
    data = rng.integers(1, 5, (3, 30)).astype(float)
    data[rng.random(data.shape) < 0.15] = NAN
    dimension, scale = ("coherence", 1) if level == "ordinal" else ("q", 4)
    stat = rel.krippendorff_alpha(matrix_frame(data / scale, dimension), dimension, n_boot=50)
    direct = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert stat.value == pytest.approx(direct, abs=1e-9)
    assert stat.value == pytest.approx(hand_alpha(data, level), abs=1e-9)


@pytest.mark.parametrize("level", ["ordinal", "interval"])
def test_alpha_bootstrap_engine_equals_the_package_on_resampled_runs(level: str) -> None:
    """Weighted coincidences must give what krippendorff.alpha gives on the drawn columns."""
    rng = np.random.default_rng(13)
    data = rng.integers(1, 5, (3, 25)) / rng.choice([1.0, 2.0], (3, 25))
    data[0, rng.random(25) < 0.2] = NAN
    draws = [np.arange(25), rng.integers(0, 25, 25), rng.integers(0, 25, 25)]
    weights = np.stack([np.bincount(d, minlength=25) for d in draws]).astype(float)
    engine = rel._weighted_alphas(data, level, weights)  # type: ignore[arg-type]
    domain = np.unique(data[~np.isnan(data)])
    for b, d in enumerate(draws):
        direct = krippendorff.alpha(reliability_data=data[:, d], level_of_measurement=level,
                                    value_domain=domain)
        assert engine[b] == pytest.approx(direct, abs=1e-9)


def test_alpha_bootstrap_is_seeded_and_brackets_the_estimate() -> None:
    frame = panel(30, ["a", "b"], 1, noise=0.6)
    first = rel.krippendorff_alpha(frame, "q", n_boot=300, seed=4)
    again = rel.krippendorff_alpha(frame, "q", n_boot=300, seed=4)
    other = rel.krippendorff_alpha(frame, "q", n_boot=300, seed=5)
    assert (first.ci_low, first.ci_high) == (again.ci_low, again.ci_high)
    assert (first.ci_low, first.ci_high) != (other.ci_low, other.ci_high)
    assert first.value is not None and first.ci_low is not None and first.ci_high is not None
    assert first.ci_low < first.value < first.ci_high
    assert first.extra["valid_resamples"] == 300
    assert "300 resamples" in first.test


def test_alpha_uses_runs_a_judge_missed() -> None:
    frame = judgments({"a": [1, 2, 3, 4, 2], "b": [1, 2, 3, 3, NAN], "c": [2, 2, 4, 4, 2]},
                      "mission")
    stat = rel.krippendorff_alpha(frame, "mission", n_boot=20)
    assert stat.n == 5
    assert stat.value == pytest.approx(
        krippendorff.alpha(
            reliability_data=[[1, 2, 3, 4, 2], [1, 2, 3, 3, NAN], [2, 2, 4, 4, 2]],
            level_of_measurement="ordinal",
        )
    )


@pytest.mark.parametrize(
    ("frame", "dimension", "reason"),
    [
        (judgments({"a": [1, 2, 3, 4]}, "accuracy"), "accuracy", "at least 2 judge models"),
        (judgments({"a": [2, 2, 2], "b": [2, 2, 2]}, "accuracy"), "accuracy", "identical"),
        (judgments({"a": [1, 2], "b": [2, 2]}, "accuracy"), "accuracy", "at least 3 runs"),
        (judgments({"a": [1, 2, 3], "b": [2, 2, 2]}, "accuracy"), "speed", "unknown dimension"),
    ],
)
def test_alpha_not_computable(frame: pd.DataFrame, dimension: str, reason: str) -> None:
    stat = rel.krippendorff_alpha(frame, dimension, n_boot=10)
    assert stat.value is None
    assert reason in stat.note


# Test-retest


def test_retest_with_one_judge_is_pearson_with_a_fisher_interval() -> None:
    rng = np.random.default_rng(8)
    first = rng.integers(4, 17, 12) / 16
    second = np.clip(first + rng.normal(0, 0.1, 12), 0.25, 1)
    stat = rel.test_retest(samples_frame(first, second))
    r = sps.pearsonr(first, second).statistic
    half = Z95 / math.sqrt(12 - 3)
    assert stat.value == pytest.approx(r, abs=1e-12)
    assert stat.ci_low == pytest.approx(math.tanh(math.atanh(r) - half))
    assert stat.ci_high == pytest.approx(math.tanh(math.atanh(r) + half))
    assert stat.p == pytest.approx(2 * sps.norm.sf(math.atanh(r) * math.sqrt(9)))
    assert stat.n == 12
    assert "Pearson" in stat.test


def test_retest_pools_judges_by_fisher_z() -> None:
    rng = np.random.default_rng(9)
    a1, b1 = rng.random(10), rng.random(8)
    a2, b2 = a1 + rng.normal(0, 0.2, 10), b1 + rng.normal(0, 0.4, 8)
    frame = pd.concat([samples_frame(a1, a2, "A"), samples_frame(b1, b2, "B")])
    ra, rb = sps.pearsonr(a1, a2).statistic, sps.pearsonr(b1, b2).statistic
    z = (7 * math.atanh(ra) + 5 * math.atanh(rb)) / 12
    stat = rel.test_retest(frame)
    assert stat.value == pytest.approx(math.tanh(z))
    assert stat.ci_low == pytest.approx(math.tanh(z - Z95 / math.sqrt(12)))
    assert stat.extra["per_judge"]["A"]["r"] == pytest.approx(ra)
    assert stat.n == 18


def test_retest_uses_the_first_two_samples_and_skips_single_sample_judges() -> None:
    frame = panel(12, ["a", "b"], 3, noise=0.5)
    frame = frame[~((frame["judge_model"] == "b") & (frame["sample"] > 0))]
    stat = rel.test_retest(frame)
    a = frame[frame["judge_model"] == "a"].pivot(index="run_id", columns="sample", values="q")
    assert stat.value == pytest.approx(sps.pearsonr(a[0], a[1]).statistic)
    assert stat.extra["skipped"] == {"b": "one sample only"}


def test_retest_flags_identical_samples() -> None:
    values = [0.25, 0.5, 0.75, 1.0, 0.5]
    stat = rel.test_retest(samples_frame(values, values))
    assert stat.value == pytest.approx(1.0)
    assert stat.extra["identical_share"] == 1.0
    assert "cache" in stat.note


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (judgments({"a": [0.5, 0.6, 0.7, 0.8, 0.9]}), "one sample only"),
        (samples_frame([0.5] * 6, [0.25, 0.5, 0.75, 1, 0.5, 0.5]), "constant scores"),
        (samples_frame([0.25, 0.5, 0.75], [0.5, 0.5, 1.0]), "3 runs with both samples"),
    ],
)
def test_retest_not_computable(frame: pd.DataFrame, reason: str) -> None:
    stat = rel.test_retest(frame)
    assert stat.value is None
    assert reason in stat.note


# Ground truth


def test_ground_truth_balanced_accuracy_kappa_and_point_biserial_by_hand() -> None:
    accuracy = [4, 3, 2, 1, 2, 3]
    truth = [True, True, True, False, False, False]
    frame = judgments({"a": accuracy}, "accuracy").assign(verified_correct=truth)
    stat = rel.ground_truth_agreement(frame, n_boot=200)
    assert stat.value == pytest.approx(2 / 3)
    assert stat.extra["sensitivity"] == pytest.approx(2 / 3)
    assert stat.extra["specificity"] == pytest.approx(2 / 3)
    assert stat.extra["cohen_kappa"] == pytest.approx(1 / 3)
    assert stat.extra["point_biserial"] == pytest.approx(
        sps.pointbiserialr(truth, accuracy).statistic
    )
    assert stat.ci_low is not None and stat.ci_high is not None
    assert stat.ci_low <= stat.value <= stat.ci_high
    assert stat.n == 6


def test_ground_truth_averages_samples_per_judge_and_resamples_runs() -> None:
    rows = [
        {"run_id": "r1", "judge_model": "a", "sample": 0, "accuracy": 2},
        {"run_id": "r1", "judge_model": "a", "sample": 1, "accuracy": 4},
        {"run_id": "r1", "judge_model": "b", "sample": 0, "accuracy": 1},
        {"run_id": "r2", "judge_model": "a", "sample": 0, "accuracy": 1},
        {"run_id": "r2", "judge_model": "b", "sample": 0, "accuracy": 3},
    ]
    truth = {"r1": True, "r2": False}
    frame = pd.DataFrame(rows).assign(verified_correct=lambda d: d["run_id"].map(truth))
    stat = rel.ground_truth_agreement(frame, n_boot=100)
    # (r1,a) mean 3 -> correct (right), (r1,b) 1 -> wrong; (r2,a) right, (r2,b) wrong.
    assert stat.value == pytest.approx(0.5)
    assert stat.n == 4
    assert stat.extra["runs"] == 2


def test_ground_truth_counts_only_pairs_a_judge_actually_scored() -> None:
    frame = judgments({"a": [4, 1, 4, 1], "b": [1, NAN, NAN, NAN]}, "accuracy")
    frame = frame.assign(verified_correct=frame["run_id"].map(
        {"r000": True, "r001": False, "r002": True, "r003": False}
    ))
    stat = rel.ground_truth_agreement(frame, n_boot=20)
    assert stat.n == 5
    assert stat.extra["sensitivity"] == pytest.approx(2 / 3)
    assert stat.extra["specificity"] == 1.0


def test_ground_truth_ignores_unverifiable_runs() -> None:
    frame = judgments({"a": [4, 1, 3, 1]}, "accuracy").assign(
        verified_correct=[True, False, None, None]
    )
    stat = rel.ground_truth_agreement(frame, n_boot=20)
    assert stat.value == 1.0
    assert stat.n == 2


def test_ground_truth_uses_decided_answers_only_and_counts_them() -> None:
    verdicts = ["correct: states $10.00", "wrong: states $9.00", "undecidable: no marked "
                "answer and no statement of a total; the true total appears", None,
                "undecidable: names every activity but states no order that can be read"]
    frame = judgments({"a": [4, 1, 3, 2, 4]}, "accuracy").assign(
        verified_correct=[True, False, None, None, None], verdict=verdicts
    )
    stat = rel.ground_truth_agreement(frame, n_boot=20)
    assert (stat.value, stat.n) == (1.0, 2)
    assert stat.extra["verifiable_answers"] == 4
    assert stat.extra["decidable_answers"] == 2
    assert stat.extra["undecidable_answers"] == 2
    assert stat.extra["undecidable_reasons"] == {
        "no marked answer and no statement of a total": 1,
        "names every activity but states no order that can be read": 1,
    }
    assert "the checker decided 2 of 4 verifiable answers (2 undecidable" in stat.note


def test_checker_coverage_reaches_a_not_computable_note() -> None:
    frame = judgments({"a": [4, 3]}, "accuracy").assign(
        verified_correct=[True, None], verdict=["correct: x", "undecidable: y; z"])
    stat = rel.ground_truth_agreement(frame, n_boot=10)
    assert stat.value is None
    assert "every verified answer is correct" in stat.note
    assert "decided 1 of 2 verifiable answers (1 undecidable, left out: 1 y)" in stat.note
    assert stat.extra["decidable_answers"] == 1


@pytest.mark.parametrize(
    ("truth", "reason"),
    [
        ([True, True, True], "every verified answer is correct"),
        ([None, None, None], "no successful judgments"),
    ],
)
def test_ground_truth_not_computable(truth: list[bool | None], reason: str) -> None:
    frame = judgments({"a": [4, 1, 3]}, "accuracy").assign(verified_correct=truth)
    stat = rel.ground_truth_agreement(frame, n_boot=10)
    assert stat.value is None
    assert reason in stat.note


def test_ground_truth_refuses_contradictory_verdicts_within_a_run() -> None:
    frame = pd.DataFrame([
        {"run_id": "r1", "judge_model": "a", "accuracy": 4, "verified_correct": True},
        {"run_id": "r1", "judge_model": "b", "accuracy": 4, "verified_correct": False},
    ])
    stat = rel.ground_truth_agreement(frame, n_boot=10)
    assert stat.value is None
    assert "differs between judgments of the same run" in stat.note


# Verbosity bias


def test_verbosity_is_spearman_with_a_fieller_interval() -> None:
    rng = np.random.default_rng(12)
    q = rng.integers(4, 17, 25) / 16
    chars = (q * 3000 + rng.normal(0, 400, 25)).astype(int)
    frame = judgments({"a": list(q)}).assign(answer_chars=chars)
    stat = rel.verbosity_bias(frame)
    expected = sps.spearmanr(q, chars)
    half = Z95 * math.sqrt(1.06 / 22)
    assert stat.value == pytest.approx(expected.statistic)
    assert stat.p == pytest.approx(expected.pvalue)
    assert stat.ci_low == pytest.approx(math.tanh(math.atanh(expected.statistic) - half))
    assert stat.ci_high == pytest.approx(math.tanh(math.atanh(expected.statistic) + half))
    assert stat.extra["length_unit"] == "characters"


def test_verbosity_uses_panel_mean_q_and_final_answer_length() -> None:
    frame = pd.DataFrame([
        {"run_id": f"r{i}", "judge_model": judge, "sample": s, "q": q, "final_answer": text}
        for i, text in enumerate(["a" * 10, "b" * 40, "c" * 20, "d" * 30, "e" * 5])
        for judge, s, q in (("x", 0, 0.25 + i / 8), ("x", 1, 0.25), ("y", 0, 0.5))
    ])
    run_q = [((0.25 + i / 8 + 0.25) / 2 + 0.5) / 2 for i in range(5)]
    stat = rel.verbosity_bias(frame)
    assert stat.value == pytest.approx(sps.spearmanr(run_q, [10, 40, 20, 30, 5]).statistic)
    assert stat.n == 5


@pytest.mark.parametrize(
    ("chars", "reason"),
    [([100, 100, 100, 100, 100], "constant"), ([100, 200, 300], "at least 4 runs")],
)
def test_verbosity_not_computable(chars: list[int], reason: str) -> None:
    q = [0.25, 0.5, 0.75, 1.0, 0.5][: len(chars)]
    stat = rel.verbosity_bias(judgments({"a": q}).assign(answer_chars=chars))
    assert stat.value is None
    assert reason in stat.note


def test_verbosity_without_any_length_column_is_not_computable() -> None:
    stat = rel.verbosity_bias(judgments({"a": [0.25, 0.5, 0.75, 1.0]}))
    assert stat.value is None
    assert "answer_chars" in stat.note


# The whole panel


def test_good_panel_is_computable_everywhere_and_mostly_unflagged() -> None:
    stats = rel.panel_reliability(panel(40, ["a", "b", "c"], 2, noise=0.3), n_boot=100)
    assert set(stats) == {
        "icc2k", "krippendorff_alpha", "test_retest", "ground_truth_agreement",
        "verbosity_bias", *(f"krippendorff_alpha_{d}" for d in DIMENSIONS),
    }
    assert all(s.computable for s in stats.values()), {k: s.note for k, s in stats.items()}
    flags = rel.reliability_flags(stats)
    assert not [f for f in flags if "ICC" in f or "test-retest" in f], flags


def test_noise_judge_alone_is_flagged_as_unchecked_and_unreliable() -> None:
    frame = panel(30, ["embedded"], 2, noise=3.0)
    stats = rel.panel_reliability(frame, n_boot=100)
    flags = rel.reliability_flags(stats)
    assert stats["icc2k"].value is None
    assert any(f.startswith("ICC(2,k) not computable (needs at least 2 judge") for f in flags)
    assert any(f.startswith("test-retest r =") for f in flags)
    for dim in DIMENSIONS:
        assert any(f.startswith(f"Krippendorff's alpha ({dim}) not computable") for f in flags)


@pytest.mark.parametrize("dimension", ["q", "coherence"])
def test_alpha_ci_resampling_rating_patterns_matches_resampling_runs(dimension: str) -> None:
    """The alpha bootstrap draws distinct rating patterns with their multiplicities; its
    interval agrees with drawing the runs themselves (another random stream, same law)."""
    frame = panel(300, ["a", "b"], 1, noise=0.8, seed=3)
    stat = rel.krippendorff_alpha(frame, dimension, n_boot=1000)
    wide = frame.pivot_table(index="run_id", columns="judge_model", values=dimension)
    data = wide.to_numpy(dtype=float).T
    level = "interval" if dimension == "q" else "ordinal"
    low, high, _ = rel._bootstrap_ci(lambda w: rel._weighted_alphas(data, level, w),
                                     data.shape[1], 1000, 7)
    assert stat.ci_low is not None and stat.ci_high is not None
    assert stat.ci_low == pytest.approx(low, abs=0.03)
    assert stat.ci_high == pytest.approx(high, abs=0.03)
