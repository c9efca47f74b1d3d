"""Properties every registered protocol must have, at N = 1, 4, 16 and 64.

Run with the instant scripted model (which abstains now and then): the run succeeds, the model
calls match expected_calls (exactly, or at most when `calls_upper_bound`), every agent prompt's
view stays within the context budget, every turn row has the schema's columns, and the same
inputs give the same prompts and turns, whether played afresh or replayed from the cache.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from selforg.llm.scripted import register_script
from selforg.llm.tokens import token_counter
from selforg.prompt_log import messages_of
from selforg.protocols import registry
from selforg.runner import RunOutcome
from selforg.schema import column_names
from tests.protocols.conftest import TASK, agent_of, planned_instant, play

BUDGET = 160  # small, so that views must be cut already at N = 16
SLACK = 64  # fixed protocol headings around a fitted view
TASK_PART = f"TASK:\n{TASK.prompt}"


class Counting:
    """planned_instant, keeping every request."""

    def __init__(self) -> None:
        self.requests: list[list[dict[str, str]]] = []

    def __call__(self, messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        self.requests.append(messages)
        return planned_instant(messages, params)

    def agent_requests(self) -> list[list[dict[str, str]]]:
        return [m for m in self.requests if agent_of(m)]


def run(tmp_path: Path, name: str, n: int) -> tuple[RunOutcome, Counting]:
    script = Counting()
    register_script("counting", script)
    outcome = play(tmp_path, name, n, model="scripted/counting",
                   context_budget_tokens=BUDGET)
    return outcome, script


CASES = [(name, n) for name in registry.names() for n in (1, 4, 16, 64)
         if registry.get(name).agent_counts([n]) == [n]]


@pytest.mark.parametrize(("name", "n"), CASES)
def test_runs_are_ok_counted_and_within_budget(tmp_path: Path, name: str, n: int) -> None:
    proto = registry.get(name)
    outcome, script = run(tmp_path, name, n)
    assert outcome.run["status"] == "ok", outcome.run["error"]
    agent_rows = [r for r in outcome.turns if r["agent"] >= 0]
    calls = len(script.agent_requests())
    assert calls == sum(not r["directed"] for r in agent_rows)
    if proto.calls_upper_bound:
        assert 1 <= calls <= proto.expected_calls(n)
    else:
        assert calls == proto.expected_calls(n)
    assert len(script.requests) - calls == sum(r["agent"] == -1 for r in outcome.turns) <= 1
    if not any(r["directed"] for r in agent_rows):
        assert outcome.run["n_calls"] == len(script.requests)
    count = token_counter("scripted/counting")
    for messages in script.agent_requests():
        user = messages[-1]["content"]
        assert user.startswith(TASK_PART)
        assert count(user[len(TASK_PART):]) <= BUDGET + SLACK


@pytest.mark.parametrize(("name", "n"), CASES)
def test_turn_rows_carry_the_schema_columns(tmp_path: Path, name: str, n: int) -> None:
    outcome, _ = run(tmp_path, name, n)
    assert list(outcome.run) == column_names("runs")
    team_size = n + registry.get(name).extra_agents
    for row in outcome.turns:
        assert list(row) == column_names("turns")
        assert -1 <= row["agent"] < team_size
        assert row["directed"] or (row["prompt_tokens"] > 0 and row["budget_tokens"] == BUDGET)
        assert not row["directed"] or (row["abstain"] and row["prompt_tokens"] == 0)


def prompts(script: Counting) -> list[str]:
    return sorted(json.dumps(m) for m in script.requests)


def comparable(outcome: RunOutcome, drop: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != drop} for row in outcome.turns]


@pytest.mark.parametrize(("name", "n"), [c for c in CASES if c[1] <= 16])
def test_deterministic_and_replayable(tmp_path: Path, name: str, n: int) -> None:
    first, script_a = run(tmp_path / "a", name, n)
    second, script_b = run(tmp_path / "b", name, n)
    assert prompts(script_a) == prompts(script_b)  # calls of one wave may arrive in any order
    assert comparable(first, "latency_s") == comparable(second, "latency_s")
    replay, script_c = run(tmp_path / "a", name, n)
    assert script_c.requests == []
    assert comparable(replay, "cached") == comparable(first, "cached")
    assert all(r["cached"] for r in replay.turns if not r["directed"])
    assert replay.run["final_answer"] == first.run["final_answer"]


@pytest.mark.parametrize("name", registry.names())
def test_every_call_is_in_the_prompt_log_exactly(tmp_path: Path, name: str) -> None:
    """The prompt log is kept by the Team, so every protocol's calls are in it as sent, each
    keyed to the turn it made (directed abstentions and removed agents make no call)."""
    n = registry.get(name).agent_counts([4])[0]
    outcome, script = run(tmp_path, name, n)
    called = sorted((r["agent"], r["round"]) for r in outcome.turns
                    if not (r["directed"] or r["removed"]))
    assert sorted((p["agent"], p["round"]) for p in outcome.prompts) == called
    logged = [messages_of(p, outcome.texts) for p in outcome.prompts]
    assert sorted(map(json.dumps, logged)) == sorted(map(json.dumps, script.requests))
