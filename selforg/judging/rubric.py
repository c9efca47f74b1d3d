"""The judging rubric (docs/study.md section 4): five dimensions, each scored 1-4 on verbal anchors.

This module is the one definition of the rubric. The judge prompt, the parser, the docs and the
quality formulas all read it from here, so a changed anchor cannot drift between them. The
anchor texts avoid every word that could hint at how the answer was produced (protocol names,
teams, agents, numbers other than the score levels): the judge must stay blind.
"""

from __future__ import annotations

from collections.abc import Mapping

DIMENSIONS: tuple[str, ...] = ("accuracy", "completeness", "coherence", "actionability", "mission")
QUALITY_DIMENSIONS: tuple[str, ...] = DIMENSIONS[:4]
SCORE_LEVELS: tuple[int, ...] = (1, 2, 3, 4)

QUESTIONS: dict[str, str] = {
    "accuracy": "Are the facts, figures and reasoning correct?",
    "completeness": "Does it address every part of the task?",
    "coherence": "Is it clear, well structured and consistent?",
    "actionability": "Could the reader act on it directly?",
    "mission": "Does it serve the goal and the people named in the task?",
}

ANCHORS: dict[str, dict[int, str]] = {
    "accuracy": {
        1: "Major errors or a wrong conclusion.",
        2: "Several errors that weaken the result.",
        3: "Minor slips that do not change the result.",
        4: "Correct throughout; figures check out.",
    },
    "completeness": {
        1: "Misses most of what the task asks.",
        2: "Covers some parts; key parts missing.",
        3: "Covers all key parts; some are thin.",
        4: "Covers every part in enough depth.",
    },
    "coherence": {
        1: "Confused or contradicts itself.",
        2: "Hard to follow; parts do not connect.",
        3: "Clear, with small gaps or repetition.",
        4: "Clear, logically ordered and consistent.",
    },
    "actionability": {
        1: "No usable steps or recommendations.",
        2: "Vague advice; steps left unclear.",
        3: "Concrete steps; some details missing.",
        4: "Concrete, ordered steps with who, what and when.",
    },
    "mission": {
        1: "Ignores or works against the goal.",
        2: "Partly on goal; drifts or neglects key interests.",
        3: "Serves the goal with minor drift.",
        4: "Squarely serves the goal and weighs the interests of those affected.",
    },
}


def _checked(scores: Mapping[str, int], dimensions: tuple[str, ...]) -> list[int]:
    """The scores of `dimensions`, refusing anything the rubric cannot produce.

    A missing or out-of-range score here is a caller bug (the parser only returns complete,
    in-range judgments), so it raises instead of yielding a quietly wrong Q.
    """
    values = []
    for dim in dimensions:
        if dim not in scores:
            raise ValueError(f"score for {dim!r} is missing")
        value = scores[dim]
        if isinstance(value, bool) or not isinstance(value, int) or value not in SCORE_LEVELS:
            raise ValueError(f"score for {dim!r} must be an integer 1-4, got {value!r}")
        values.append(value)
    return values


def quality(scores: Mapping[str, int]) -> float:
    """Q = (accuracy + completeness + coherence + actionability) / 16, in [0.25, 1].

    Raises ValueError when a quality dimension is missing or not an integer 1-4.
    """
    return sum(_checked(scores, QUALITY_DIMENSIONS)) / 16


def mission(scores: Mapping[str, int]) -> float:
    """M = mission / 4, in [0.25, 1]; reported apart from Q (docs/study.md section 4).

    Raises ValueError when the mission score is missing or not an integer 1-4.
    """
    return _checked(scores, ("mission",))[0] / 4


def rubric_text() -> str:
    """The rubric as the judge reads it: each dimension's question, then its four anchors."""
    lines = []
    for dim in DIMENSIONS:
        lines.append(f"{dim}: {QUESTIONS[dim]}")
        lines.extend(f"  {level} = {ANCHORS[dim][level]}" for level in SCORE_LEVELS)
    return "\n".join(lines)
