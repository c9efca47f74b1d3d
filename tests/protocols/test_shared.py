"""`shared`: one wave; agents see the cell's earlier roles, nothing of the current task."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selforg.llm.scripted import register_script
from selforg.llm.tokens import token_counter
from selforg.protocols import registry
from selforg.protocols.base import TaskView
from selforg.protocols.builtin.shared import MEMORY_KEY, memory_lines
from selforg.protocols.view import ContextBudget
from tests.protocols.conftest import TASK, Recorder, play, work

SECOND = TaskView("L1-001-test", "Plan the rollout of a new payroll system.")


def test_first_task_sees_no_memory_and_no_current_work(tmp_path: Path, recorder: Recorder) -> None:
    outcome = play(tmp_path, "shared", 4, memory={})
    assert outcome.run["n_calls"] == registry.get("shared").expected_calls(4) + 1
    for prompt in recorder.agent_prompts().values():
        assert "first task" in prompt and "work of agent" not in prompt and "Role" not in prompt


def test_later_tasks_see_earlier_roles_only(tmp_path: Path) -> None:
    rec = Recorder(reply=lambda agent, call: {"role": f"Role{agent} Task{call}"})
    register_script("recorder", rec)
    memory: dict[str, Any] = {}
    play(tmp_path / "t1", "shared", 3, memory=memory, task=TASK)
    play(tmp_path / "t2", "shared", 3, memory=memory, task=SECOND)
    assert memory[MEMORY_KEY] == [[f"role{a} task0" for a in range(3)],
                                  [f"role{a} task1" for a in range(3)]]
    for k in range(3):
        prompt = rec.prompts_of(k)[1][1]["content"]
        assert "payroll" in prompt and "billing" not in prompt
        assert f"Your own earlier roles (agent {k}), oldest first: role{k} task0" in prompt
        for j in range(3):
            assert f"- role{j} task0: 1" in prompt and f"- agent {j}: role{j} task0" in prompt
        assert "task1" not in prompt and "work of agent" not in prompt  # nothing of this task


def test_abstaining_agents_add_nothing_and_are_remembered_as_such(tmp_path: Path) -> None:
    rec = Recorder(abstainers={1})
    register_script("recorder", rec)
    memory: dict[str, Any] = {}
    outcome = play(tmp_path / "t1", "shared", 3, assembly="concat", memory=memory)
    answer = outcome.run["final_answer"]
    assert "Role1" not in answer and work(0) in answer and work(2) in answer
    assert memory[MEMORY_KEY] == [["role0", "(abstained)", "role2"]]


def test_ordered_cells() -> None:
    assert registry.get("shared").ordered_cells


def test_memory_fits_the_budget_at_256_agents() -> None:
    history = [[f"specialist number {(t * 7 + a) % 97}" for a in range(256)] for t in range(30)]
    for agent in (0, 255):
        fitted = ContextBudget(300, token_counter("local/smollm2-135m"))
        view = memory_lines(history, agent, fitted)
        assert fitted.count(view) <= 300
        assert f"Your own earlier roles (agent {agent})" in view and "omitted" in view
