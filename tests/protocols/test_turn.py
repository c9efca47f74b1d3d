"""Turn JSON parsing: strict, repaired, and failed replies."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from selforg.protocols.turn import parse_turn

GOOD = {"role": "Security Analyst", "abstain": False, "follows": 1, "builds_on": [0, 1],
        "contribution": "Rotate keys quarterly."}


def test_strict_json() -> None:
    t = parse_turn(json.dumps(GOOD), 4)
    assert t.ok and t.role == "Security Analyst" and t.follows == 1 and t.builds_on == [0, 1]
    assert t.role_norm == "security analyst"


def test_fenced_and_prose_wrapped() -> None:
    text = "Sure! Here it is:\n```json\n" + json.dumps(GOOD) + "\n```\nHope it helps."
    assert parse_turn(text, 4).contribution == "Rotate keys quarterly."


def test_truncated_reply_is_repaired() -> None:
    cut = json.dumps(GOOD)[:-12]
    t = parse_turn(cut, 4)
    assert t.ok and t.role == "Security Analyst" and t.contribution.startswith("Rotate")


def test_single_quotes_and_trailing_commas() -> None:
    text = "{'role': 'Planner', 'abstain': 'false', 'follows': null, 'builds_on': [2,], " \
           "'contribution': 'Do X'}"
    t = parse_turn(text, 4)
    assert t.ok and t.role == "Planner" and not t.abstain and t.builds_on == [2]


def test_garbage_is_a_recorded_parse_failure() -> None:
    t = parse_turn("I think we should hire more staff.", 4)
    assert not t.ok
    assert t.contribution == "I think we should hire more staff."


def test_links_outside_the_team_are_dropped() -> None:
    t = parse_turn(json.dumps({**GOOD, "follows": 9, "builds_on": [0, 7, "2"]}), 4)
    assert t.follows is None and t.builds_on == [0, 2]


@given(st.text(max_size=300))
def test_never_raises_and_keeps_text_on_failure(text: str) -> None:
    t = parse_turn(text, 8)
    if not t.ok:
        assert t.contribution == text
    assert t.follows is None or 0 <= t.follows < 8
    assert all(0 <= i < 8 for i in t.builds_on)


def test_raw_newlines_inside_strings_are_accepted() -> None:
    text = '{"role": "Writer", "abstain": false, "contribution": "line one\nline two"'
    t = parse_turn(text, 4)
    assert t.ok and t.contribution == "line one\nline two"
