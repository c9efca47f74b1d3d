"""`fixed_roles`: sequential visibility, roles from the catalogue, abstention not allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from selforg.llm.scripted import register_script
from selforg.protocols import registry
from selforg.protocols.base import FREE_ROLE
from selforg.protocols.builtin.fixed_roles import ROLE_CATALOGUE, assigned_role
from tests.protocols.conftest import Recorder, play, work


@pytest.mark.parametrize("n", [1, 3, 10])
def test_agent_k_gets_its_catalogue_role_and_sees_agents_before_it(
        tmp_path: Path, recorder: Recorder, n: int) -> None:
    outcome = play(tmp_path, "fixed_roles", n)
    assert outcome.run["n_calls"] == registry.get("fixed_roles").expected_calls(n) + 1
    prompts = recorder.agent_prompts()
    for k in range(n):
        system = "\n".join(m["content"] for m in recorder.prompts_of(k)[0])
        assert f"assigned you the role of {assigned_role(k)}." in system
        assert "Abstaining is not allowed" in system and FREE_ROLE not in system
        for j in range(n):
            assert (work(j) in prompts[k]) == (j < k), (k, j)
    roles = [r["role"] for r in outcome.turns if r["agent"] >= 0]
    assert roles == [ROLE_CATALOGUE[k % len(ROLE_CATALOGUE)] for k in range(n)]
    if n == 10:
        assert roles[8] == roles[0] == "Analyst"


def test_an_abstention_is_recorded_honestly_and_adds_nothing(tmp_path: Path) -> None:
    register_script("recorder", Recorder(abstainers={1}))
    outcome = play(tmp_path, "fixed_roles", 3, assembly="concat")
    row = next(r for r in outcome.turns if r["agent"] == 1)
    assert row["abstain"] and row["role"] == "Planner"
    answer = outcome.run["final_answer"]
    assert "## Planner" not in answer and "## Analyst" in answer and work(2) in answer
