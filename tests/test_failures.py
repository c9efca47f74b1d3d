"""A study whose calls failed is not finished: the rule, its message and its setting."""

from __future__ import annotations

from typing import Any

import pytest

from selforg.failures import StudyIncomplete, check_failures, reason


def rows(ok: int, errors: list[str]) -> list[dict[str, Any]]:
    return ([{"status": "ok", "error": None}] * ok
            + [{"status": "failed", "error": e} for e in errors])


def test_no_failure_passes_silently() -> None:
    assert check_failures("run_protocol", "runs", rows(5, []), 0.0, "t") == ""


def test_any_failure_stops_the_line_by_default() -> None:
    down = "agent 2 round 0: failed after 5 attempt(s): cannot connect to model 'x' at U: E"
    errors = [down, down.replace("agent 2", "agent 3"), "assembly: failed after 1 attempt(s): Y"]
    with pytest.raises(StudyIncomplete) as exc:
        check_failures("run_protocol", "runs", rows(7, errors), 0.0, "data/runs.parquet")
    text = exc.value.render()
    assert exc.value.exit_code == 4
    assert "3 of 10 runs failed after their retries (30.0%" in text
    assert "data/runs.parquet" in text
    # the same cause at two places in a run is one reason, counted twice
    assert "2 x failed after 5 attempt(s): cannot connect to model 'x' at U: E" in text
    assert "1 x failed after 1 attempt(s): Y" in text
    assert "`dvc repro` again" in text and "only the failed calls" in text
    assert "study.max_failed_share" in text


def test_a_share_within_max_failed_share_is_accepted_and_said() -> None:
    line = check_failures("judge", "judgments", rows(19, ["unparseable"]), 0.05, "t")
    assert line == ("judge: 1 of 20 judgments failed (5.0%), within "
                    "study.max_failed_share = 0.05")
    with pytest.raises(StudyIncomplete):
        check_failures("judge", "judgments", rows(18, ["a", "b"]), 0.05, "t")


def test_reason_drops_the_place_and_cuts_long_text() -> None:
    assert reason("coordinator plan: boom") == "boom"
    assert reason(None) == "no reason recorded"
    assert len(reason("x" * 1000)) == 200
