"""`two_pass_sequential`: a sequential pass, then a second pass that sees the whole first pass
and the second pass so far; only the second pass makes the answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from selforg.llm.scripted import register_script
from selforg.protocols import registry
from tests.protocols.conftest import Recorder, agent_of, play, visible, work


@pytest.mark.parametrize("n", [1, 3, 6])
def test_visibility_of_both_passes(tmp_path: Path, recorder: Recorder, n: int) -> None:
    outcome = play(tmp_path, "two_pass_sequential", n, context_budget_tokens=4000)
    assert outcome.run["n_calls"] == registry.get("two_pass_sequential").expected_calls(n) + 1
    for k in range(n):
        first, second = (visible(m) for m in recorder.prompts_of(k))
        for j in range(n):
            assert (work(j, 0) in first) == (j < k), (k, j)
            assert work(j, 1) not in first
            assert work(j, 0) in second, (k, j)  # the whole first pass, own turn included
            assert (work(j, 1) in second) == (j < k), (k, j)
        if n > 1:  # its own first-pass turn comes last, labelled
            assert second.rstrip().endswith(f"[your pass 1] [agent {k} | Role{k}]\n"
                                            f"{work(k, 0)}")
        assert "Pass 2 of 2" in recorder.prompts_of(k)[1][0]["content"]


def test_calls_are_in_pass_order(tmp_path: Path, recorder: Recorder) -> None:
    play(tmp_path, "two_pass_sequential", 4)
    order = [int(m.group(1)) for r in recorder.requests if (m := agent_of(r))]
    assert order == [0, 1, 2, 3, 0, 1, 2, 3]


def test_only_the_second_pass_makes_the_answer(tmp_path: Path) -> None:
    # agent 1 abstains in pass 2 only: its pass-1 work is seen but not delivered
    rec = Recorder(reply=lambda agent, call: {"abstain": True, "contribution": ""}
                   if (agent, call) == (1, 1) else {})
    register_script("recorder", rec)
    outcome = play(tmp_path, "two_pass_sequential", 3, assembly="concat")
    answer = outcome.run["final_answer"]
    assert all(work(k, 1) in answer for k in (0, 2))
    assert not any(work(k, 0) in answer for k in range(3)) and work(1, 1) not in answer
    assert work(1, 0) in visible(rec.prompts_of(2)[1])
    assert outcome.run["n_abstained"] == 1 and outcome.run["n_active"] == 2
    rounds = {(r["agent"], r["round"]) for r in outcome.turns if r["agent"] >= 0}
    assert rounds == {(a, p) for a in range(3) for p in (0, 1)}


def test_latency_is_the_chain_of_all_calls(tmp_path: Path, recorder: Recorder) -> None:
    outcome = play(tmp_path, "two_pass_sequential", 3, assembly="concat")
    assert outcome.run["latency_s"] == pytest.approx(
        sum(r["latency_s"] for r in outcome.turns if r["agent"] >= 0))
