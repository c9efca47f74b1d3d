"""The rubric: complete anchors, and Q and M exactly as docs/study.md section 4 defines them."""

from __future__ import annotations

import pytest

from selforg.judging.rubric import (
    ANCHORS,
    DIMENSIONS,
    QUALITY_DIMENSIONS,
    QUESTIONS,
    SCORE_LEVELS,
    mission,
    quality,
    rubric_text,
)


def scores(acc: int, comp: int, coh: int, act: int, mis: int) -> dict[str, int]:
    return dict(zip(DIMENSIONS, (acc, comp, coh, act, mis), strict=True))


def test_dimensions_are_the_study_five_in_order() -> None:
    assert DIMENSIONS == ("accuracy", "completeness", "coherence", "actionability", "mission")
    assert QUALITY_DIMENSIONS == ("accuracy", "completeness", "coherence", "actionability")
    assert SCORE_LEVELS == (1, 2, 3, 4)


def test_every_dimension_has_a_distinct_anchor_per_level() -> None:
    assert set(ANCHORS) == set(DIMENSIONS) == set(QUESTIONS)
    for dim in DIMENSIONS:
        assert sorted(ANCHORS[dim]) == [1, 2, 3, 4]
        texts = list(ANCHORS[dim].values())
        assert all(t.strip() for t in texts)
        assert len(set(texts)) == 4


def test_rubric_text_holds_every_question_and_anchor() -> None:
    text = rubric_text()
    for dim in DIMENSIONS:
        assert QUESTIONS[dim] in text
        for level, anchor in ANCHORS[dim].items():
            assert f"{level} = {anchor}" in text


@pytest.mark.parametrize(
    ("given", "q"),
    [
        (scores(1, 1, 1, 1, 4), 0.25),
        (scores(4, 4, 4, 4, 1), 1.0),
        (scores(3, 2, 4, 1, 2), 10 / 16),
    ],
)
def test_quality_is_sum_of_four_over_sixteen(given: dict[str, int], q: float) -> None:
    assert quality(given) == pytest.approx(q)


def test_mission_is_score_over_four_and_apart_from_quality() -> None:
    assert mission(scores(1, 1, 1, 1, 3)) == 0.75
    assert quality(scores(2, 2, 2, 2, 1)) == quality(scores(2, 2, 2, 2, 4))


@pytest.mark.parametrize("bad", [0, 5, 2.5, True, "3", None])
def test_out_of_range_or_wrong_type_scores_are_refused(bad: object) -> None:
    given: dict[str, object] = {**scores(2, 2, 2, 2, 2), "coherence": bad, "mission": bad}
    with pytest.raises(ValueError, match="integer 1-4"):
        quality(given)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="integer 1-4"):
        mission(given)  # type: ignore[arg-type]


def test_missing_dimension_is_refused() -> None:
    with pytest.raises(ValueError, match="missing"):
        quality({"accuracy": 3, "completeness": 3, "coherence": 3})
    with pytest.raises(ValueError, match="missing"):
        mission({"accuracy": 3})
