"""parse_judgment: lenient about form, strict about content, never raises."""

from __future__ import annotations

import json
import random

import pytest

from selforg.judging.parse import Judgment, parse_judgment
from selforg.judging.rubric import DIMENSIONS

SCORES = {"accuracy": 3, "completeness": 2, "coherence": 4, "actionability": 1, "mission": 3}
STRICT = json.dumps({**SCORES, "rationale": "Mostly right, thin on steps."})


def test_strict_json() -> None:
    judgment = parse_judgment(STRICT)
    assert judgment == Judgment(scores=SCORES, rationale="Mostly right, thin on steps.")
    assert judgment is not None
    assert judgment.q == pytest.approx(10 / 16)
    assert judgment.m == 0.75


@pytest.mark.parametrize(
    "reply",
    [
        f"```json\n{STRICT}\n```",
        f"Here is my assessment:\n{STRICT}\nI hope this helps.",
        f"Scores {{see below}}: {STRICT}",
        f"I think {{ the answer is fine. {STRICT}",
        "{'accuracy': 3, 'completeness': 2, 'coherence': 4, 'actionability': 1, 'mission': 3, "
        "'rationale': \"it's fine\"}",
        '{"accuracy": 3, "completeness": 2, "coherence": 4, "actionability": 1, "mission": 3,'
        ' "rationale": "ok",}',
        '{"accuracy": "3", "completeness": "2/4", "coherence": "4 / 4", "actionability": 1.0,'
        ' "mission": "3 out of 4", "rationale": "ok"}',
        '{accuracy: 3, completeness: 2, coherence: 4, actionability: 1, mission: 3, '
        'rationale: "ok"}',
        '{"Accuracy": 3, "Completeness": 2, "Coherence": 4, "Actionability": 1,'
        ' "Mission Relevance": 3, "Reasoning": "ok"}',
        '{"scores": {"accuracy": 3, "completeness": 2, "coherence": 4, "actionability": 1,'
        ' "mission": 3}, "rationale": "ok", "confident": true}',
        "{'accuracy': 3, 'completeness': 2, 'coherence': 4, 'actionability': 1, 'mission': 3,"
        " 'rationale': 'ok', 'sure': true, 'notes': null}",
        f"{STRICT}\nTo repeat: {STRICT}",
    ],
)
def test_lenient_forms_parse_to_the_same_scores(reply: str) -> None:
    judgment = parse_judgment(reply)
    assert judgment is not None, reply
    assert judgment.scores == SCORES


def test_raw_newlines_and_braces_inside_the_rationale_are_accepted() -> None:
    """A reply the embedded judge produced under constrained decoding."""
    reply = (
        '{"accuracy": 1, "completeness": 1, "coherence": 1, "actionability": 1, "mission": 1, '
        '"rationale": "}\n\nThe JSON object is:\n\n{\n  " }'
    )
    judgment = parse_judgment(reply)
    assert judgment is not None
    assert judgment.scores == dict.fromkeys(DIMENSIONS, 1)
    assert judgment.rationale == "}\n\nThe JSON object is:\n\n{"


def test_reply_cut_off_inside_the_rationale_keeps_the_scores() -> None:
    judgment = parse_judgment(STRICT[: STRICT.index("thin")])
    assert judgment is not None
    assert judgment.scores == SCORES
    assert judgment.rationale == "Mostly right,"


def test_missing_rationale_is_empty_not_a_failure() -> None:
    judgment = parse_judgment(json.dumps(SCORES))
    assert judgment is not None
    assert judgment.rationale == ""


@pytest.mark.parametrize("dim", DIMENSIONS)
def test_missing_dimension_is_rejected(dim: str) -> None:
    reply = {k: v for k, v in SCORES.items() if k != dim}
    assert parse_judgment(json.dumps(reply)) is None


@pytest.mark.parametrize("bad", [0, 5, -1, 2.5, "5", "3/5", "three", True, None, [3], {}])
def test_out_of_range_or_malformed_score_is_rejected(bad: object) -> None:
    assert parse_judgment(json.dumps({**SCORES, "coherence": bad, "rationale": "x"})) is None


def test_disagreeing_objects_are_ambiguous() -> None:
    other = json.dumps({**SCORES, "accuracy": 1, "rationale": "x"})
    assert parse_judgment(f"Draft: {other}\nFinal: {STRICT}") is None


@pytest.mark.parametrize(
    "reply",
    ["", "I would give it a 3.", "[3, 2, 4, 1, 3]", "null", "{", "}{", "{" * 10_000,
     '{"accuracy": ' * 5000, "\x00\xff{'a':}"],
)
def test_unparseable_replies_give_none(reply: str) -> None:
    assert parse_judgment(reply) is None


def test_non_string_input_gives_none() -> None:
    assert parse_judgment(None) is None  # type: ignore[arg-type]
    assert parse_judgment(b"{}") is None  # type: ignore[arg-type]


def test_never_raises_on_random_text() -> None:
    rng = random.Random(3)
    alphabet = "{}[]\"':,\\ 0123456789abcdefnrstul/\n" + STRICT
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        result = parse_judgment(text)
        assert result is None or set(result.scores) == set(DIMENSIONS)


def test_schema_conforming_reply_round_trips() -> None:
    rng = random.Random(5)
    for _ in range(50):
        scores = {dim: rng.randint(1, 4) for dim in DIMENSIONS}
        judgment = parse_judgment(json.dumps({**scores, "rationale": "why"}))
        assert judgment == Judgment(scores=scores, rationale="why")
