"""`broadcast`: announcements seen by all, contributions by none; 2N calls in two waves."""

from __future__ import annotations

from pathlib import Path

import pytest

from selforg.llm.scripted import register_script
from selforg.protocols import registry
from tests.protocols.conftest import Recorder, play, visible, work

TASK_ONLY = "TASK:\nDraft a backup policy for the billing database."


@pytest.mark.parametrize("n", [1, 4, 9])
def test_round_one_sees_every_intention_and_no_contribution(tmp_path: Path, recorder: Recorder,
                                                            n: int) -> None:
    outcome = play(tmp_path, "broadcast", n)
    assert outcome.run["n_calls"] == registry.get("broadcast").expected_calls(n) + 1
    for k in range(n):
        announce, decide = (visible(m) for m in recorder.prompts_of(k))
        assert announce == TASK_ONLY
        for j in range(n):
            assert f"[agent {j} | Role{j}]" in decide and work(j, 0) in decide
            assert work(j, 1) not in decide


def test_the_deliverable_is_round_two_only(tmp_path: Path, recorder: Recorder) -> None:
    outcome = play(tmp_path, "broadcast", 3, assembly="concat")
    answer = outcome.run["final_answer"]
    assert all(work(k, 1) in answer and work(k, 0) not in answer for k in range(3))
    assert {r["round"] for r in outcome.turns if r["agent"] >= 0} == {0, 1}


def test_an_intention_is_one_clipped_line(tmp_path: Path) -> None:
    long_line = "I will audit every backup job " + "x" * 400
    rec = Recorder(reply=lambda agent, call: {"contribution": f"{long_line}\nSECRET PLAN"}
                   if call == 0 else {})
    register_script("recorder", rec)
    play(tmp_path, "broadcast", 2)
    decide = visible(rec.prompts_of(0)[1])
    assert "I will audit every backup job" in decide
    assert "SECRET PLAN" not in decide and "x" * 200 not in decide


def test_abstaining_agents_add_nothing_and_are_announced(tmp_path: Path) -> None:
    rec = Recorder(abstainers={1})
    register_script("recorder", rec)
    outcome = play(tmp_path, "broadcast", 3, assembly="concat")
    answer = outcome.run["final_answer"]
    assert "Role1" not in answer and work(0, 1) in answer and work(2, 1) in answer
    assert "[agent 1 | intends to abstain]" in visible(rec.prompts_of(0)[1])
    assert outcome.run["n_abstained"] == 1 and outcome.run["n_active"] == 2

