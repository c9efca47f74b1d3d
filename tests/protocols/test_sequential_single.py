"""Visibility, call counts and abstention for `single` and `sequential`."""

from __future__ import annotations

from pathlib import Path

import pytest

from selforg.protocols import registry
from tests.protocols.conftest import Recorder, play


def test_single_is_one_call_plus_assembly(tmp_path: Path, recorder: Recorder) -> None:
    outcome = play(tmp_path, "single", 1)
    assert outcome.run["n_calls"] == 2
    assert [t["agent"] for t in outcome.turns] == [0, -1]
    assert outcome.run["status"] == "ok"


@pytest.mark.parametrize("n", [1, 3, 8])
def test_sequential_agent_k_sees_exactly_agents_before_it(tmp_path: Path, recorder: Recorder,
                                                          n: int) -> None:
    outcome = play(tmp_path, "sequential", n)
    assert outcome.run["n_calls"] == registry.get("sequential").expected_calls(n) + 1
    prompts = recorder.agent_prompts()
    assert sorted(prompts) == list(range(n))
    for k, prompt in prompts.items():
        assert "Draft a backup policy" in prompt
        for j in range(n):
            assert (f"work of agent {j}" in prompt) == (j < k), (k, j)


def test_agents_get_a_mission_not_a_role(tmp_path: Path, recorder: Recorder) -> None:
    play(tmp_path, "sequential", 3)
    for messages in recorder.requests[:3]:
        system = "\n".join(m["content"] for m in messages)
        assert "mission" in system.lower()
        assert "Nobody assigns you a role" in system


def test_abstaining_agents_add_nothing_to_the_answer(tmp_path: Path) -> None:
    from selforg.llm.scripted import register_script

    rec = Recorder(abstainers={1})
    register_script("recorder", rec)
    outcome = play(tmp_path, "sequential", 3, assembly="concat")
    answer = outcome.run["final_answer"]
    assert "work of agent 0" in answer and "work of agent 2" in answer
    assert "Role1" not in answer
    assert outcome.run["n_abstained"] == 1 and outcome.run["n_active"] == 2
    assert "Role1" not in rec.agent_prompts()[2]


def test_turn_rows_carry_schema_columns(tmp_path: Path, recorder: Recorder) -> None:
    from selforg.schema import column_names

    outcome = play(tmp_path, "sequential", 2)
    assert list(outcome.run) == column_names("runs")
    for row in outcome.turns:
        assert list(row) == column_names("turns")
        assert row["prompt_tokens"] > 0 and row["parse_ok"]
