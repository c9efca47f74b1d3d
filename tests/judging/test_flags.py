"""reliability_flags: one warning per threshold crossed, none when the panel is sound."""

from __future__ import annotations

import pytest

from selforg.analysis.result import Stat, not_computable
from selforg.judging.reliability import reliability_flags


def stat(value: float, low: float | None = None, high: float | None = None, **extra: object
         ) -> Stat:
    return Stat(value=value, ci_low=low, ci_high=high, n=30, extra=dict(extra))


@pytest.mark.parametrize(
    ("key", "given", "expected"),
    [
        ("icc2k", stat(0.12, -0.1, 0.4),
         "ICC(2,k) = 0.12 [95% CI -0.10, 0.40] < 0.5 (poor, Koo & Li 2016): judges disagree"),
        ("icc2k", stat(0.6), "< 0.75 (moderate, Koo & Li 2016)"),
        ("icc2k", stat(0.8, 0.3, 0.9), "the interval reaches below 0.5"),
        ("krippendorff_alpha", stat(0.4, dimension="q"),
         "Krippendorff's alpha (q) = 0.40 < 0.667 (Krippendorff 2004)"),
        ("krippendorff_alpha_accuracy", stat(0.7, dimension="accuracy"),
         "Krippendorff's alpha (accuracy) = 0.70 < 0.8 (Krippendorff 2004): tentative"),
        ("test_retest", stat(0.5), "test-retest r = 0.50 < 0.7"),
        ("ground_truth_agreement", stat(0.6, 0.45, 0.75), "not distinguishable from chance"),
        ("ground_truth_agreement", stat(0.7, 0.6, 0.8), "< 0.75: judges often misjudge"),
        ("verbosity_bias", stat(0.45, 0.2, 0.65), "Q rises with answer length"),
        ("verbosity_bias", stat(-0.35, -0.7, 0.05), "Q may fall with answer length"),
    ],
)
def test_threshold_crossings_are_flagged(key: str, given: Stat, expected: str) -> None:
    flags = reliability_flags({key: given})
    assert len(flags) == 1
    assert expected in flags[0]


@pytest.mark.parametrize(
    ("key", "given"),
    [
        ("icc2k", stat(0.8, 0.6, 0.9)),
        ("krippendorff_alpha", stat(0.85, dimension="q")),
        ("test_retest", stat(0.9, 0.8, 0.95, identical_share=0.4)),
        ("ground_truth_agreement", stat(0.85, 0.7, 0.95)),
        ("verbosity_bias", stat(0.1, -0.2, 0.4)),
    ],
)
def test_sound_values_are_not_flagged(key: str, given: Stat) -> None:
    assert reliability_flags({key: given}) == []


def test_not_computable_statistics_are_flagged_with_their_reason() -> None:
    flags = reliability_flags({
        "icc2k": not_computable("needs at least 2 judge models, have 1"),
        "test_retest": not_computable("judge: one sample only"),
        "krippendorff_alpha": not_computable("needs at least 2 judge models, have 1"),
    })
    assert flags[0] == (
        "ICC(2,k) not computable (needs at least 2 judge models, have 1): "
        "agreement between judges is unknown"
    )
    assert "judge consistency is unknown" in flags[1]
    assert flags[2].startswith("Krippendorff's alpha (q) not computable")


def test_identical_samples_are_flagged() -> None:
    given = Stat(value=1.0, n=10, note="every repeated sample is identical: check the cache",
                 extra={"identical_share": 1.0})
    assert reliability_flags({"test_retest": given}) == [
        "test-retest: every repeated sample is identical: check the cache"
    ]


def test_unknown_keys_are_ignored_and_order_follows_the_input() -> None:
    flags = reliability_flags({
        "verbosity_bias": stat(0.5, 0.3, 0.7),
        "mean_q": stat(0.1),
        "icc2k": stat(0.1),
    })
    assert len(flags) == 2
    assert flags[0].startswith("Spearman rho")
    assert flags[1].startswith("ICC(2,k)")
