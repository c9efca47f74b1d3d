"""`stigmergic`: a seeded random order; agents see the artifact, never each other's messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from selforg.llm.gateway import CallResult
from selforg.llm.scripted import register_script
from selforg.llm.tokens import token_counter
from selforg.protocols import registry
from selforg.protocols.base import TurnRecord
from selforg.protocols.builtin.stigmergic import HEADING, Section, acting_order, render
from selforg.protocols.turn import ParsedTurn
from selforg.protocols.view import ContextBudget
from tests.protocols.conftest import Recorder, agent_of, play, work


def order_of(recorder: Recorder) -> list[int]:
    return [int(match.group(1)) for m in recorder.requests
            if (match := agent_of(m))]


def test_the_order_is_a_seeded_permutation() -> None:
    order = acting_order("stigmergic-abc", 64)
    assert sorted(order) == list(range(64)) and order != list(range(64))
    assert acting_order("stigmergic-abc", 64) == order
    assert acting_order("stigmergic-abd", 64) != order


@pytest.mark.parametrize("n", [1, 4, 9])
def test_agents_see_the_artifact_of_those_before_them(tmp_path: Path, recorder: Recorder,
                                                      n: int) -> None:
    outcome = play(tmp_path, "stigmergic", n)
    assert outcome.run["n_calls"] == registry.get("stigmergic").expected_calls(n) + 1
    order = order_of(recorder)
    assert order == acting_order(outcome.run["run_id"], n)
    prompts = recorder.agent_prompts()
    for step, k in enumerate(order):
        for j in order:
            seen = j in order[:step]
            assert (f"## Role{j} (attention 1)" in prompts[k]) == seen, (k, j)
            assert (work(j) in prompts[k]) == seen, (k, j)
        assert "[agent" not in prompts[k]  # sections, never messages


def test_a_shared_title_reinforces_one_section(tmp_path: Path) -> None:
    rec = Recorder(reply=lambda agent, call: {"role": "Backup Schedules" if agent % 2
                                              else "backup schedule"})
    register_script("recorder", rec)
    outcome = play(tmp_path, "stigmergic", 5, assembly="concat")
    last = rec.agent_prompts()[order_of(rec)[-1]]
    assert "(attention 4)" in last and last.count("## ") == 1
    answer = outcome.run["final_answer"]
    assert all(work(k) in answer for k in range(5))


def test_abstaining_agents_add_nothing(tmp_path: Path) -> None:
    rec = Recorder(abstainers={1})
    register_script("recorder", rec)
    outcome = play(tmp_path, "stigmergic", 4, assembly="concat")
    assert "Role1" not in outcome.run["final_answer"]
    assert all("Role1" not in p for p in rec.agent_prompts().values())
    assert outcome.run["n_abstained"] == 1


def test_the_artifact_fits_the_budget() -> None:
    def turn(i: int) -> TurnRecord:
        parsed = ParsedTurn(f"T{i}", False, None, contribution="Long text. " + "y" * 300)
        return TurnRecord("r", i, 0, parsed, CallResult("x"), 200)

    sections = [Section(f"T{i}", [turn(i)] * (i % 5 + 1)) for i in range(100)]
    fitted = ContextBudget(200, token_counter("local/smollm2-135m"))
    view = render(sections, fitted)
    assert fitted.count(view) <= 200 + fitted.count(HEADING) + 1
    assert "sections omitted" in view
