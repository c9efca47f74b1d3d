"""`clonal`: drafts, the refiners' votes, refinement of the top k, the drafters' votes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from selforg.llm.scripted import register_script
from selforg.protocols import registry
from selforg.protocols.base import TaskView
from selforg.protocols.builtin.clonal import split, top_k
from tests.protocols.conftest import Recorder, play, visible, work

TASK_ONLY = "TASK:\nDraft a backup policy for the billing database."


def test_expected_calls_are_about_two_n() -> None:
    expected = registry.get("clonal").expected_calls
    assert [expected(n) for n in (1, 2, 3, 4, 5, 16, 64, 256)] == [1, 2, 4, 8, 10, 32, 128, 512]
    assert split(5) == (range(3), range(3, 5))
    assert [top_k(r) for r in (0, 1, 2, 8, 32, 128)] == [1, 1, 2, 3, 6, 12]


def votes(agent: int, call: int) -> dict[str, Any]:
    """n = 4: drafters 0, 1; refiners 2, 3. Refiners vote for draft 1, drafters for agent 3."""
    if agent in (2, 3) and call == 0:
        return {"follows": 1}
    if agent in (0, 1) and call == 1:
        return {"follows": 3}
    return {}


def test_who_sees_what_and_the_winner(tmp_path: Path) -> None:
    rec = Recorder(reply=votes)
    register_script("recorder", rec)
    outcome = play(tmp_path, "clonal", 4, assembly="concat")
    assert rec.agent_calls() == registry.get("clonal").expected_calls(4)
    for drafter in (0, 1):
        draft, ballot = (visible(m) for m in rec.prompts_of(drafter))
        assert draft == TASK_ONLY
        assert work(2, 1) in ballot and work(3, 1) in ballot  # the refinements
        assert work(0, 0) not in ballot and work(1, 0) not in ballot  # not the drafts
    for refiner, base, other in ((2, 1, 0), (3, 0, 1)):
        ballot, refine = (visible(m) for m in rec.prompts_of(refiner))
        assert work(0, 0) in ballot and work(1, 0) in ballot
        assert work(base, 0) in refine and work(other, 0) not in refine
        assert f"ranked {1 if base == 1 else 2} of the 2" in refine
    rows = {(r["agent"], r["round"]): r for r in outcome.turns}
    assert rows[(2, 2)]["builds_on"] == [1] and rows[(3, 2)]["builds_on"] == [0]
    assert outcome.run["final_answer"] == f"## Role3\n{work(3, 1)}"


@pytest.mark.parametrize("n", [1, 2, 3, 4, 9, 16])
def test_calls_match_expected_calls(tmp_path: Path, recorder: Recorder, n: int) -> None:
    outcome = play(tmp_path, "clonal", n)
    assert outcome.run["n_calls"] == registry.get("clonal").expected_calls(n) + 1
    assert outcome.run["status"] == "ok"


def test_ties_are_broken_without_favouring_low_ids(tmp_path: Path, recorder: Recorder) -> None:
    winners = set()
    for i in range(6):
        task = TaskView(f"L1-{i:03d}-test", f"Task number {i}.")
        answer = play(tmp_path / str(i), "clonal", 8, assembly="concat",
                      task=task).run["final_answer"]
        assert answer.count("## ") == 1  # only the winning refinement
        winners.add(answer)
    assert len(winners) > 1


def test_abstaining_agents_add_nothing_and_skip_empty_ballots(tmp_path: Path) -> None:
    rec = Recorder(abstainers={3})
    register_script("recorder", rec)
    outcome = play(tmp_path, "clonal", 4, assembly="concat")
    # drafts 2, refiner ballots 2, refinements 2; one refinement left, so no final ballot
    assert rec.agent_calls() == 6
    assert outcome.run["final_answer"] == f"## Role2\n{work(2, 1)}"


def test_one_agent_drafts_alone(tmp_path: Path, recorder: Recorder) -> None:
    outcome = play(tmp_path, "clonal", 1, assembly="concat")
    assert outcome.run["final_answer"] == f"## Role0\n{work(0, 0)}"
