"""`coordinator`: the plan, who sees what, directed abstentions, call counts, the plan cap."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from selforg.llm.scripted import register_script
from selforg.protocols import registry
from selforg.protocols.builtin.coordinator import (
    parse_plan,
    plan_max_tokens,
    plan_schema,
)
from tests.protocols.conftest import Recorder, play, work


def use(rec: Recorder) -> Recorder:
    register_script("recorder", rec)
    return rec


def rows_by_agent(turns: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {r["agent"]: r for r in turns if r["agent"] >= 0}


def test_workers_see_the_task_and_their_own_assignment_only(tmp_path: Path) -> None:
    rec = use(Recorder(idle={2}, unlisted={4}))
    outcome = play(tmp_path, "coordinator", 5)
    plan_prompt = rec.prompts_of(0)[0]
    assert plan_prompt[1]["content"] == "TASK:\nDraft a backup policy for the billing database."
    assert "agents 1 to 5" in plan_prompt[0]["content"]
    prompts = rec.agent_prompts()
    assert sorted(prompts) == [0, 1, 3, 5]
    for k in (1, 3, 5):
        assert "Draft a backup policy" in prompts[k]
        assert f"role: Role{k}" in prompts[k] and f"subtask for agent {k}" in prompts[k]
        for j in range(1, 6):
            assert (f"subtask for agent {j}" in prompts[k]) == (j == k), (k, j)
        assert "work of agent" not in prompts[k]
        assert "the 6 AI agents" in rec.prompts_of(k)[0][0]["content"]
    assert outcome.run["n_agents"] == 5 and outcome.run["status"] == "ok"


def test_idle_and_unlisted_workers_are_directed_abstentions(tmp_path: Path) -> None:
    use(Recorder(idle={2}, unlisted={4}))
    outcome = play(tmp_path, "coordinator", 4)
    rows = rows_by_agent(outcome.turns)
    for k in (2, 4):
        r = rows[k]
        assert r["abstain"] and r["directed"] and r["round"] == 1
        assert r["prompt_tokens"] == 0 and r["completion_tokens"] == 0 and r["cost_usd"] == 0
        assert r["follows"] == 0 and r["contribution"] == ""
    for k in (1, 3):
        assert not rows[k]["directed"] and rows[k]["follows"] == 0
        assert rows[k]["role"] == f"Role{k}"
    assert rows[0]["role"] == "coordinator" and rows[0]["round"] == 0
    assert outcome.run["hierarchy_depth"] == 2
    assert outcome.run["n_abstained"] == 2 and outcome.run["n_active"] == 2


@pytest.mark.parametrize(("n", "unlisted"), [(1, set()), (4, set()), (4, {2, 3}),
                                             (16, set(range(9, 17)))])
def test_calls_are_one_plus_the_assigned_workers(tmp_path: Path, n: int,
                                                 unlisted: set[int]) -> None:
    rec = use(Recorder(unlisted=unlisted))
    play(tmp_path, "coordinator", n)
    assigned = n - len(unlisted)
    assert rec.agent_calls() == 1 + assigned <= registry.get("coordinator").expected_calls(n)
    assert len(rec.requests) == 1 + assigned + 1  # plus synthesize


def test_run_row_counts_model_calls_not_directed_turns(tmp_path: Path) -> None:
    rec = use(Recorder(unlisted={2, 3}))
    outcome = play(tmp_path, "coordinator", 4)
    assert outcome.run["n_calls"] == len(rec.requests)


def test_abstaining_workers_add_nothing_to_the_answer(tmp_path: Path) -> None:
    use(Recorder(abstainers={3}, idle={2}))
    outcome = play(tmp_path, "coordinator", 4, assembly="concat")
    answer = outcome.run["final_answer"]
    assert work(1) in answer and work(4) in answer
    assert "Role2" not in answer and "Role3" not in answer
    assert "subtask" not in answer  # the plan is direction, not part of the deliverable
    rows = rows_by_agent(outcome.turns)
    assert rows[3]["abstain"] and not rows[3]["directed"]  # voluntary
    assert rows[2]["abstain"] and rows[2]["directed"]


def test_an_unreadable_plan_idles_every_worker(tmp_path: Path) -> None:
    register_script("recorder", lambda messages, params: "I would split the work sensibly.")
    outcome = play(tmp_path, "coordinator", 3, assembly="concat")
    rows = rows_by_agent(outcome.turns)
    assert not rows[0]["parse_ok"] and rows[0]["contribution"].startswith("I would split")
    assert all(rows[k]["directed"] for k in (1, 2, 3))
    assert outcome.run["final_answer"] == "" and outcome.run["status"] == "ok"


def test_parse_plan_keeps_valid_first_entries_and_drops_idle() -> None:
    text = json.dumps({"assignments": [
        {"agent": 1, "role": "Analyst", "subtask": "list risks"},
        {"agent": 1, "role": "Other", "subtask": "dup"},
        {"agent": "agent 2", "role": "Planner", "subtask": "schedule"},
        {"agent": 3, "role": "idle", "subtask": ""},
        {"agent": 9, "role": "Ghost", "subtask": "out of range"},
        {"agent": 4, "role": "", "subtask": ""},
        "junk",
    ]})
    plan = parse_plan(text, 4)
    assert plan is not None
    assert [(a.agent, a.role) for a in plan] == [(1, "Analyst"), (2, "Planner")]
    assert parse_plan("no plan here", 4) is None
    assert parse_plan(json.dumps({"assignments": "all of you"}), 4) is None


def test_a_plan_cut_off_by_max_tokens_keeps_its_complete_entries() -> None:
    full = json.dumps({"assignments": [{"agent": k, "role": f"R{k}", "subtask": f"s{k}"}
                                       for k in range(1, 30)]})
    plan = parse_plan(full[: len(full) // 2], 29)
    assert plan is not None and 5 < len(plan) < 29
    assert [a.agent for a in plan] == list(range(1, len(plan) + 1))


def test_the_plan_cap_cannot_list_every_agent_at_large_n() -> None:
    assert plan_max_tokens(4, 192) == 192
    assert plan_max_tokens(16, 192) == 16 * 32 + 32
    assert plan_max_tokens(256, 192) == 4 * 192 < 256 * 32
    schema = plan_schema(256)["properties"]["assignments"]
    assert schema["maxItems"] == 256
    assert schema["items"]["properties"]["agent"]["maximum"] == 256
