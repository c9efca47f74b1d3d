"""`morphogenetic`: round two sees the histogram of declared specialties, no content."""

from __future__ import annotations

from pathlib import Path

import pytest

from selforg.llm.scripted import register_script
from selforg.llm.tokens import token_counter
from selforg.protocols import registry
from tests.protocols.conftest import Recorder, play, visible, work

TASK_ONLY = "TASK:\nDraft a backup policy for the billing database."
DECLARED = {0: "Planner", 1: "planners", 2: "PLANNER", 3: "Analyst"}


def declare(agent: int, call: int) -> dict[str, str]:
    return {"role": DECLARED[agent]} if call == 0 else {}


def test_round_two_sees_counts_but_no_content(tmp_path: Path) -> None:
    rec = Recorder(reply=declare)
    register_script("recorder", rec)
    outcome = play(tmp_path, "morphogenetic", 4)
    assert outcome.run["n_calls"] == registry.get("morphogenetic").expected_calls(4) + 1
    for k in range(4):
        declare_prompt, differentiate = (visible(m) for m in rec.prompts_of(k))
        assert declare_prompt == TASK_ONLY
        assert "- planner: 3\n- analyst: 1" in differentiate
        assert f"you declared {DECLARED[k].lower().rstrip('s')!r}" in differentiate
        assert "work of agent" not in differentiate and "[agent" not in differentiate
        for j in range(4):
            assert f"agent {j}" not in differentiate


@pytest.mark.parametrize("n", [1, 5])
def test_calls_and_only_round_two_in_the_answer(tmp_path: Path, recorder: Recorder,
                                                n: int) -> None:
    outcome = play(tmp_path, "morphogenetic", n, assembly="concat")
    assert len(recorder.requests) == registry.get("morphogenetic").expected_calls(n)
    answer = outcome.run["final_answer"]
    assert all(work(k, 1) in answer and work(k, 0) not in answer for k in range(n))


def test_abstaining_agents_add_nothing_and_count_as_undeclared(tmp_path: Path) -> None:
    rec = Recorder(abstainers={1})
    register_script("recorder", rec)
    outcome = play(tmp_path, "morphogenetic", 3, assembly="concat")
    assert "Role1" not in outcome.run["final_answer"]
    prompt = visible(rec.prompts_of(0)[1])
    assert "(none declared or abstaining): 1" in prompt and "role1" not in prompt
    assert "you abstained" in visible(rec.prompts_of(1)[1])


def test_the_histogram_fits_the_budget_at_256_agents(tmp_path: Path) -> None:
    rec = Recorder(reply=lambda agent, call: {"role": f"specialty {agent}"} if call == 0 else {})
    register_script("recorder", rec)
    play(tmp_path, "morphogenetic", 256, context_budget_tokens=200)
    prompt = visible(rec.prompts_of(0)[1])
    view = prompt.split("\n\n", 1)[1]
    assert token_counter("scripted/recorder")(view) <= 200 and "more specialties omitted" in view

