"""Shocks applied by the Team: removal at the midpoint, substitution from the start."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from selforg.config import Shock, StudyConfig
from selforg.llm.cache import CallCache
from selforg.llm.gateway import Gateway
from selforg.llm.scripted import register_script
from selforg.protocols.base import RunSpec
from selforg.runner import RunOutcome, plan_runs, run_one
from tests.conftest import scripted_params, write_params
from tests.protocols.conftest import TASK, Recorder, agent_of, study_config


def shock(name: str, **kind: Any) -> Shock:
    return Shock.model_validate({"name": name, **kind})


def play_shocked(tmp_path: Path, protocol: str, n: int, the_shock: Shock | None,
                 cfg: StudyConfig | None = None) -> RunOutcome:
    """One concat run of the first model, under `the_shock` (None: the baseline run)."""
    cfg = cfg or study_config(tmp_path, assembly="concat")
    substitute = (cfg.model(the_shock.substitute.model)
                  if the_shock is not None and the_shock.substitute is not None else None)
    spec = RunSpec(TASK, protocol, cfg.models[0], n, 0, "concat", the_shock, substitute)
    gateway = Gateway(cfg, CallCache(tmp_path / "cache"))
    return asyncio.run(run_one(spec, gateway, cfg))


def removed_agents(outcome: RunOutcome) -> set[int]:
    return {r["agent"] for r in outcome.turns if r["removed"]}


def test_removal_fires_at_the_midpoint_and_removed_agents_add_nothing(
        tmp_path: Path, recorder: Recorder) -> None:
    # sequential N = 6: the shock fires as the 4th ask starts (3 calls started); the last
    # three agents are removed, the first three keep their work
    remove = shock("cut", remove={"k": 3, "target": "most_followed"})
    recorder.reply = lambda agent, call: {"follows": 5} if agent < 3 else {}
    outcome = play_shocked(tmp_path, "sequential", 6, remove)
    assert outcome.run["shock"] == "cut"
    # most followed: 5 (named three times), then lowest ids among the rest: 0, 1 (done already)
    assert outcome.run["shock_removed"] == [0, 1, 5]
    assert removed_agents(outcome) == {5}
    assert recorder.agent_calls() == 5 and outcome.run["n_calls"] == 5
    answer = outcome.run["final_answer"]
    assert all(f"work of agent {k}" in answer for k in range(5))
    assert "work of agent 5" not in answer
    row = next(r for r in outcome.turns if r["removed"])
    assert row["abstain"] and row["prompt_tokens"] == 0 and row["contribution"] == ""


def test_removed_agents_make_no_calls_in_later_rounds(tmp_path: Path,
                                                      recorder: Recorder) -> None:
    # broadcast N = 4: 8 calls expected, the shock fires as round 1 starts
    outcome = play_shocked(tmp_path, "broadcast", 4,
                           shock("gone", remove={"k": 2, "target": "random"}))
    removed = set(outcome.run["shock_removed"])
    assert len(removed) == 2
    assert {(r["agent"], r["round"]) for r in outcome.turns if r["removed"]} == {
        (a, 1) for a in removed}
    assert recorder.agent_calls() == 6
    for agent in removed:
        assert len(recorder.prompts_of(agent)) == 1
        assert f"work of agent {agent} (call 0)" not in outcome.run["final_answer"]


def test_random_removal_is_seeded_and_stable(tmp_path: Path, recorder: Recorder) -> None:
    remove = shock("gone", remove={"k": 3, "target": "random"})
    first = play_shocked(tmp_path / "a", "broadcast", 8, remove)
    again = play_shocked(tmp_path / "b", "broadcast", 8, remove)
    assert first.run["shock_removed"] == again.run["shock_removed"]

    def removals(outcome: RunOutcome) -> list[tuple[int, int, bool]]:
        return [(r["agent"], r["round"], r["removed"]) for r in outcome.turns]

    assert removals(first) == removals(again)
    other = play_shocked(tmp_path / "c", "broadcast", 8,
                         shock("other", remove={"k": 3, "target": "random"}))
    assert other.run["run_id"] != first.run["run_id"]


def test_removal_is_capped_at_team_size_minus_one(tmp_path: Path, recorder: Recorder) -> None:
    outcome = play_shocked(tmp_path, "broadcast", 3,
                           shock("all", remove={"k": 10, "target": "random"}))
    assert len(outcome.run["shock_removed"]) == 2
    assert outcome.run["status"] == "ok"


def test_substitution_sends_exactly_the_chosen_agents_to_the_other_model(
        tmp_path: Path, recorder: Recorder) -> None:
    other = Recorder()
    register_script("other", other)
    params = scripted_params(tmp_path / "cache")
    params["models"][0]["model"] = "scripted/recorder"
    params["models"].append({"name": "other", "model": "scripted/other"})
    params["study"].update(assembly="concat",
                           shocks=[{"name": "swap", "substitute": {"model": "other",
                                                                    "share": 0.5}}])
    from selforg.config import load_config

    cfg = load_config(write_params(tmp_path / "p.yaml", params))
    outcome = play_shocked(tmp_path, "broadcast", 4, cfg.study.shocks[0], cfg)
    chosen = outcome.run["shock_substituted"]
    assert len(chosen) == 2
    assert {int(m.group(1)) for r in other.requests if (m := agent_of(r))} == set(chosen)
    assert {int(m.group(1)) for r in recorder.requests if (m := agent_of(r))} == (
        set(range(4)) - set(chosen))
    assert len(other.requests) == 4 and recorder.agent_calls() == 4
    assert {r["agent"]: r["model"] for r in outcome.turns if r["agent"] >= 0} == {
        a: ("other" if a in chosen else cfg.models[0].name) for a in range(4)}


def test_unshocked_runs_keep_their_ids_and_prompts(tmp_path: Path, recorder: Recorder) -> None:
    plain = study_config(tmp_path / "plain", assembly="concat")
    shocked = study_config(tmp_path / "shocked", assembly="concat",
                           shocks=[{"name": "cut", "remove": {"k": 1, "target": "random"}}])
    baseline = play_shocked(tmp_path / "plain", "sequential", 3, None, plain)
    prompts = list(recorder.requests)
    recorder.requests.clear()
    recorder.calls.clear()
    again = play_shocked(tmp_path / "shocked", "sequential", 3, None, shocked)
    assert again.run["run_id"] == baseline.run["run_id"]
    assert recorder.requests == prompts
    assert again.run["shock"] is None and again.run["shock_removed"] == []
    assert all(r["model"] == plain.models[0].name and not r["removed"] for r in again.turns)
    specs = plan_runs(shocked, [TASK])
    ids = {s.run_id for s in specs if s.shock is None}
    assert {s.run_id for s in plan_runs(plain, [TASK])} == ids
    twins = [s for s in specs if s.shock is not None]
    assert twins and all(s.protocol != "single" and "cut" in s.run_id for s in twins)


def test_a_shocked_run_replays_from_the_cache(tmp_path: Path, recorder: Recorder) -> None:
    # cache hits finish calls in another order than live calls: the removal must not care
    remove = shock("cut", remove={"k": 2, "target": "most_followed"})
    recorder.reply = lambda agent, call: {"follows": 3, "builds_on": [2]} if call == 0 else {}
    live = play_shocked(tmp_path, "broadcast", 6, remove)
    replay = play_shocked(tmp_path, "broadcast", 6, remove)
    assert live.run["shock_removed"] == replay.run["shock_removed"] == [2, 3]
    assert replay.run["final_answer"] == live.run["final_answer"]
    assert all(r["cached"] for r in replay.turns if not r["removed"])
