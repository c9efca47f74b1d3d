"""The judge stage end to end with scripted judges: blinding, retries of unparseable replies,
panel averaging."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from selforg.analysis.aggregate import run_frame
from selforg.failures import StudyIncomplete
from selforg.judging.prompt import build_judge_messages
from selforg.llm.scripted import register_script
from selforg.protocols import registry
from selforg.tables import read_table
from selforg.tasks.announcements import CONSTRAINT, PRIORITY, UPDATE_HEADING, updated_task
from selforg.tasks.catalogue import CATALOGUE
from stages.generate_tasks import generate_tasks
from stages.judge import judge
from stages.run_protocol import run_protocol
from tests.conftest import scripted_params, write_params


class FixedJudge:
    """A judge that records its prompts and gives every dimension `score` (or garbage)."""

    def __init__(self, score: int | None) -> None:
        self.score = score
        self.prompts: list[str] = []

    def __call__(self, messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        self.prompts.append("\n".join(m["content"] for m in messages))
        if self.score is None:
            return "I would rather not grade this."
        dims = ("accuracy", "completeness", "coherence", "actionability", "mission")
        return json.dumps({**dict.fromkeys(dims, self.score), "rationale": "fixed"})


def run_study(tmp_path: Path, judges: dict[str, FixedJudge]) -> Path:
    for name, script in judges.items():
        register_script(name, script)
    params = scripted_params(tmp_path / "cache")
    params["models"] = [params["models"][0]] + [
        {"name": name, "model": f"scripted/{name}"} for name in judges]
    params["study"].update(protocols=["sequential", "coordinator"], n_agents=[3])
    params["judges"] = {"models": list(judges), "samples": 2}
    path = write_params(tmp_path / "params.yaml", params)
    generate_tasks(path, tmp_path)
    run_protocol(path, tmp_path)
    judge(path, tmp_path)
    return tmp_path


def test_judge_prompts_never_reveal_protocol_model_or_team(tmp_path: Path) -> None:
    spy = FixedJudge(3)
    run_study(tmp_path, {"judge-spy": spy})
    assert spy.prompts
    forbidden = [*registry.names(), "fake", "scripted", "instant", "agent", "n_agents"]
    for prompt in spy.prompts:
        for word in forbidden:
            assert not re.search(rf"\b{re.escape(word)}\b", prompt, re.IGNORECASE), word


def test_unparseable_judgment_is_retried_then_recorded_failed(tmp_path: Path) -> None:
    mute = FixedJudge(None)
    # Every judgment failing stops the line (selforg.failures), after the table is written.
    with pytest.raises(StudyIncomplete, match=r"judge: (\d+) of \1 judgments failed"):
        run_study(tmp_path, {"judge-mute": mute})
    root = tmp_path
    judgments = read_table("judgments", root / "data" / "judgments.parquet")
    runs = read_table("runs", root / "data" / "runs.parquet")
    assert len(judgments) == 2 * (runs["status"] == "ok").sum()
    assert (judgments["status"] == "failed").all()
    assert judgments["error"].str.contains("unparseable judgment after 3 attempt").all()
    assert len(mute.prompts) == 3 * len(judgments)


def test_run_quality_is_the_panel_mean(tmp_path: Path) -> None:
    root = run_study(tmp_path, {"judge-high": FixedJudge(4), "judge-low": FixedJudge(2)})
    data = root / "data"
    frame = run_frame(read_table("tasks", data / "tasks.parquet"),
                      read_table("runs", data / "runs.parquet"),
                      read_table("judgments", data / "judgments.parquet"),
                      read_table("turns", data / "turns.parquet"))
    judged = frame[frame["q"].notna()]
    assert len(judged) > 0
    assert (judged["q"] - (16 / 16 + 8 / 16) / 2).abs().max() < 1e-12
    assert (judged["m"] - (1.0 + 0.5) / 2).abs().max() < 1e-12


def test_priority_shifted_runs_are_judged_against_the_updated_task(tmp_path: Path) -> None:
    spy = FixedJudge(3)
    register_script("judge-spy", spy)
    params = scripted_params(tmp_path / "cache")
    params["models"].append({"name": "judge-spy", "model": "scripted/judge-spy"})
    params["tasks"].update(verifiable_share=1.0)
    params["study"].update(protocols=["sequential"], n_agents=[3],
                           shocks=[{"name": "shift", "priority_shift": {}}])
    params["judges"] = {"models": ["judge-spy"], "samples": 1}
    path = write_params(tmp_path / "params.yaml", params)
    generate_tasks(path, tmp_path)
    run_protocol(path, tmp_path)
    judge(path, tmp_path)
    runs = read_table("runs", tmp_path / "data" / "runs.parquet")
    judgments = read_table("judgments", tmp_path / "data" / "judgments.parquet")
    shocked = runs[runs["shock"] == "shift"]
    assert len(shocked) == 2 and shocked["shock_announcement"].notna().all()
    assert runs.loc[runs["shock"].isna(), "shock_announcement"].isna().all()
    for run in shocked.itertuples():
        assert sum(run.shock_announcement in p for p in spy.prompts) == 1
    assert sum(UPDATE_HEADING in p for p in spy.prompts) == 2
    verdicts = judgments.set_index("run_id")["verified_correct"]
    assert verdicts[shocked["run_id"]].isna().all()  # the checker knows the old task only
    assert verdicts[runs.loc[runs["shock"].isna(), "run_id"]].notna().all()


def test_the_longest_announcement_survives_the_judge_prompt_cut() -> None:
    longest = max([CONSTRAINT.format(constraint=c) for d in CATALOGUE.values()
                   for c in d.constraints]
                  + [PRIORITY.format(role=s.role, goal=s.goal) for d in CATALOGUE.values()
                     for s in d.stakeholders], key=len)
    task = updated_task("Plan the work. " * 200, longest)
    user = build_judge_messages(task, "an answer")[1]["content"]
    assert f"{UPDATE_HEADING}\n{longest}" in user and "[truncated]" in user
def test_verifiable_runs_carry_the_checkers_verdict(tmp_path: Path) -> None:
    root = run_study(tmp_path, {"judge-plain": FixedJudge(3)})
    data = root / "data"
    tasks = read_table("tasks", data / "tasks.parquet").set_index("task_id")
    runs = read_table("runs", data / "runs.parquet").set_index("run_id")
    judgments = read_table("judgments", data / "judgments.parquet")
    verifiable = runs.loc[judgments["run_id"], "task_id"].map(tasks["verifiable"]).to_numpy()
    assert verifiable.any()
    assert judgments.loc[~verifiable, "verdict"].isna().all()
    assert judgments.loc[~verifiable, "verified_correct"].isna().all()
    verdicts = judgments.loc[verifiable]
    assert verdicts["verdict"].str.match(r"(correct|wrong|undecidable): ").all()
    undecided = verdicts["verdict"].str.startswith("undecidable")
    assert verdicts.loc[undecided, "verified_correct"].isna().all()
    decided = verdicts.loc[~undecided]
    assert (decided["verified_correct"] == decided["verdict"].str.startswith("correct")).all()
