"""`coordinator`: the plan, who sees what, directed abstentions, call counts, the plan cap."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from selforg.analysis.metrics import abstention_rates, hierarchy_depths
from selforg.llm.scripted import register_script
from selforg.protocols import registry
from selforg.protocols.builtin.coordinator import (
    parse_plan,
    plan_max_tokens,
    plan_messages,
    plan_schema,
    render_plan,
    working,
)
from tests.protocols.conftest import Recorder, cut, entry, plan_size, play, work


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
        entry(1, 1, "Analyst", "list risks"),
        entry(1, 1, "Other", "dup"),
        {"from": "agent 2", "to": "2", "role": "Planner", "subtask": "schedule"},
        entry(3, 3, "idle", ""),
        entry(9, 9, "Ghost", "out of range"),
        entry(4, 4, "", ""),
        "junk",
    ]})
    entries = parse_plan(text, 4)
    assert entries is not None
    assert [(e.workers, e.role, e.idle) for e in entries] == [
        ((1,), "Analyst", False), ((2,), "Planner", False), ((3,), "idle", True),
        ((4,), "", True)]
    assert [(a.agent, a.role) for a in working(entries)] == [(1, "Analyst"), (2, "Planner")]
    assert parse_plan("no plan here", 4) is None
    assert parse_plan(json.dumps({"assignments": "all of you"}), 4) is None


def test_an_entry_directs_a_range_and_earlier_entries_keep_their_workers() -> None:
    text = json.dumps({"assignments": [
        entry(3, 5, "Analyst", "risks"),
        entry(8, 1, "Writer", "draft"),  # either order
        {"from": 7, "role": "Editor", "subtask": "edit"},  # no "to": one worker, but 7 taken
        entry(9, 300, "Tester", "test"),  # clipped to the team
    ]})
    entries = parse_plan(text, 10)
    assert entries is not None
    assert [e.workers for e in entries] == [(3, 4, 5), (1, 2, 6, 7, 8), (9, 10)]
    by_agent = {a.agent: a for a in working(entries)}
    assert sorted(by_agent) == list(range(1, 11))
    assert (by_agent[6].role, by_agent[6].share, by_agent[6].position) == ("Writer", 5, 3)
    assert render_plan(entries, 10).splitlines() == [
        "agents 3-5 | Analyst: risks", "agents 1, 2, 6, 7, 8 | Writer: draft",
        "agents 9-10 | Tester: test"]


def test_workers_sharing_an_entry_are_told_how_many_share_it(tmp_path: Path) -> None:
    rec = use(Recorder())
    register_script("recorder", lambda m, p: (json.dumps({"assignments": [
        entry(1, 3, "Analyst", "find the risks"), entry(4, 4, "Writer", "write it up")]})
        if plan_size(p) else rec(m, p)))
    play(tmp_path, "coordinator", 4)
    prompts = rec.agent_prompts()
    assert "you are number 2 of them" in prompts[2] and "to 3 workers" in prompts[2]
    assert "find the risks" in prompts[2] and "write it up" not in prompts[2]
    assert "shared:" not in prompts[4] and "write it up" in prompts[4]


def test_a_plan_cut_off_by_max_tokens_keeps_its_complete_entries() -> None:
    full = json.dumps({"assignments": [entry(k, k, f"R{k}", f"s{k}") for k in range(1, 30)]})
    entries = parse_plan(full[: len(full) // 2], 29)
    assert entries is not None and 5 < len(entries) < 29
    assert [a.agent for a in working(entries)] == list(range(1, len(entries) + 1))


def test_the_plan_cap_bounds_entries_not_workers() -> None:
    assert plan_max_tokens(4, 192) == 192
    assert plan_max_tokens(16, 192) == 16 * 36 + 32
    assert plan_max_tokens(256, 192) == 4 * 192 < 256 * 36
    schema = plan_schema(256)["properties"]["assignments"]
    assert schema["maxItems"] == 256
    for key in ("from", "to"):
        assert schema["items"]["properties"][key] == {"type": "integer", "minimum": 1,
                                                      "maximum": 256,
                                                      "enum": list(range(1, 257))}
    assert "about 20 entries" in plan_messages("T", 256, 768)[0]["content"]


def test_one_plan_directs_every_worker_at_256(tmp_path: Path) -> None:
    rec = use(Recorder(groups=16))
    outcome = play(tmp_path, "coordinator", 256, assembly="concat")
    assert not rec.plan_cut  # sixteen entries fit the plan's cap whole
    prompts = rec.agent_prompts()
    assert sorted(prompts) == list(range(257))
    for k in (1, 16, 17, 200, 256):
        group = (k - 1) // 16
        assert f"role: Group{group}" in prompts[k]
        assert f"you are number {(k - 1) % 16 + 1} of them" in prompts[k]
        assert [g for g in range(16) if f"subtask for group {g}:" in prompts[k]] == [group]
    rows = [r for r in outcome.turns if r["agent"] >= 1]
    assert len(rows) == 256 and not any(r["directed"] for r in rows)
    assert rec.agent_calls() == 257 == registry.get("coordinator").expected_calls(256)
    assert outcome.run["n_active"] == 256 and outcome.run["hierarchy_depth"] == 2
    turns = pd.DataFrame(outcome.turns)
    rates = abstention_rates(turns).iloc[0]
    assert (rates["n_final"], rates["directed_rate"], rates["voluntary_rate"]) == (256, 0, 0)
    assert hierarchy_depths(turns).iloc[0] == 2


def test_idle_groups_at_256_are_directed_abstentions(tmp_path: Path) -> None:
    rec = use(Recorder(groups=8, idle_groups=3))
    rec.abstainers = {1, 2}
    outcome = play(tmp_path, "coordinator", 256, assembly="concat")
    assert not rec.plan_cut
    assert rec.agent_calls() == 1 + 5 * 32
    turns = pd.DataFrame(outcome.turns)
    rates = abstention_rates(turns).iloc[0]
    assert rates["n_directed"] == 3 * 32 and rates["n_voluntary"] == 2
    assert rates["directed_rate"] == 96 / 256 and rates["abstention_rate"] == 98 / 256
    assert outcome.run["n_abstained"] == 98 and outcome.run["hierarchy_depth"] == 2
    assert hierarchy_depths(turns).iloc[0] == 2
    directed = turns[turns["directed"]]
    assert set(directed["agent"]) == set(range(161, 257))
    assert (directed["follows"] == 0).all() and (directed["prompt_tokens"] == 0).all()


def test_one_entry_per_worker_is_what_the_cap_cuts(tmp_path: Path) -> None:
    # the limit that remains: distinct subtasks are bounded by the cap (about 20 at 192)
    text = cut(json.dumps({"assignments": [
        entry(k, k, f"Role{k}", f"Part {k} of the task: cover one aspect of it in depth.")
        for k in range(1, 257)]}), plan_max_tokens(256, 192))
    entries = parse_plan(text, 256)
    assert entries is not None and 10 <= len(entries) <= 25
