"""`batched_sequential`: batches of K in order; each batch sees exactly the earlier batches."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from selforg.llm.scripted import register_script
from selforg.protocols import registry
from selforg.protocols.builtin.batched_sequential import batches
from tests.protocols.conftest import Recorder, play, work


def test_batches_are_consecutive_runs_of_k() -> None:
    assert [list(b) for b in batches(5, 2)] == [[0, 1], [2, 3], [4]]
    assert [list(b) for b in batches(3, 8)] == [[0, 1, 2]]
    for n in range(1, 70):
        for k in (1, 3, 4, 64):
            assert len(batches(n, k)) == math.ceil(n / k)
            assert [a for b in batches(n, k) for a in b] == list(range(n))


@pytest.mark.parametrize(("n", "k"), [(1, 4), (4, 1), (7, 3), (12, 4), (5, 8)])
def test_each_batch_sees_the_earlier_batches_only(tmp_path: Path, recorder: Recorder,
                                                  n: int, k: int) -> None:
    outcome = play(tmp_path, "batched_sequential", n, sequential_batch_size=k)
    assert outcome.run["n_calls"] == registry.get("batched_sequential").expected_calls(n) + 1
    batch_of = {a: b for b, agents in enumerate(batches(n, k)) for a in agents}
    prompts = recorder.agent_prompts()
    assert sorted(prompts) == list(range(n))
    for agent in range(n):
        for j in range(n):
            assert (work(j) in prompts[agent]) == (batch_of[j] < batch_of[agent]), (agent, j)
        system = recorder.prompts_of(agent)[0][0]["content"]
        assert f"batches of {k}; you are in batch {batch_of[agent] + 1} of " \
               f"{math.ceil(n / k)}" in system


def test_k_of_one_is_sequential_information_flow(tmp_path: Path, recorder: Recorder) -> None:
    play(tmp_path, "batched_sequential", 5, sequential_batch_size=1)
    prompts = recorder.agent_prompts()
    for agent in range(5):
        assert [j for j in range(5) if work(j) in prompts[agent]] == list(range(agent))


def test_latency_is_one_slowest_call_per_batch(tmp_path: Path, recorder: Recorder) -> None:
    outcome = play(tmp_path, "batched_sequential", 8, assembly="concat",
                   sequential_batch_size=4)
    by_agent = {r["agent"]: r["latency_s"] for r in outcome.turns}
    expected = max(by_agent[a] for a in range(4)) + max(by_agent[a] for a in range(4, 8))
    assert outcome.run["latency_s"] == pytest.approx(expected)


def test_abstaining_agents_add_nothing(tmp_path: Path) -> None:
    rec = Recorder(abstainers={1})
    register_script("recorder", rec)
    outcome = play(tmp_path, "batched_sequential", 4, assembly="concat",
                   sequential_batch_size=2)
    assert "Role1" not in outcome.run["final_answer"]
    assert work(0) in outcome.run["final_answer"] and work(3) in outcome.run["final_answer"]
    assert "Role1" not in rec.agent_prompts()[3] and work(0) in rec.agent_prompts()[3]
    assert outcome.run["n_abstained"] == 1 and outcome.run["n_active"] == 3
