"""Shocks applied by the Team: removal and priority shift at the midpoint, substitution from
the start."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import Any

from selforg.config import Shock, StudyConfig
from selforg.llm.cache import CallCache
from selforg.llm.gateway import Gateway
from selforg.llm.scripted import register_script
from selforg.protocols import registry
from selforg.protocols.base import RunSpec, TaskView
from selforg.runner import RunOutcome, plan_runs, run_one
from selforg.tasks.announcements import UPDATE_HEADING, updated_task
from selforg.tasks.catalogue import CATALOGUE
from tests.conftest import scripted_params, write_params
from tests.protocols.conftest import TASK, Recorder, agent_of, study_config, visible


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


CLOUD = TaskView("L1-007-cloud", "Cut the cloud bill of Lumen Retail; the recovery point "
                 "objective is 15 minutes.", ("cloud infrastructure",))


def test_a_priority_shift_is_announced_to_every_agent_asked_after_the_midpoint(
        tmp_path: Path, recorder: Recorder) -> None:
    # sequential N = 6: the shock fires as the 4th ask starts (3 calls started)
    shift = shock("shift", priority_shift={})
    cfg = study_config(tmp_path, assembly="synthesize")
    spec = RunSpec(CLOUD, "sequential", cfg.models[0], 6, 0, "synthesize", shift)
    outcome = asyncio.run(run_one(spec, Gateway(cfg, CallCache(tmp_path / "cache")), cfg))
    text = outcome.run["shock_announcement"]
    assert text == spec.announcement and text
    for agent in range(6):
        told = UPDATE_HEADING in visible(recorder.prompts_of(agent)[0])
        assert told == (agent >= 3), agent
    assert updated_task(CLOUD.prompt, text) in recorder.prompts_of(5)[0][1]["content"]
    assert text in recorder.requests[-1][1]["content"]  # the synthesize call is after it
    assert outcome.run["shock_removed"] == [] and recorder.agent_calls() == 6


def test_the_announcement_comes_from_the_task_domain_and_is_the_same_for_every_run(
        tmp_path: Path) -> None:
    cfg = study_config(tmp_path)
    cloud = CATALOGUE["cloud infrastructure"]
    seen = set()
    for i in range(40):
        task = TaskView(f"L1-{i:03d}-cloud", CLOUD.prompt, CLOUD.domains)
        specs = [RunSpec(task, p, cfg.models[0], n, r, "concat", shock("shift", priority_shift={}))
                 for p, n, r in [("sequential", 4, 0), ("broadcast", 16, 1)]]
        assert specs[0].announcement == specs[1].announcement
        text = specs[0].announcement
        assert text is not None
        seen.add(text.split(":")[0])
        assert (any(c in text for c in cloud.constraints)
                or any(s.role in text and s.goal in text for s in cloud.stakeholders))
        assert "recovery point objective is 15 minutes" not in text  # stated already
    assert len(seen) == 2  # both kinds are drawn
    task = TaskView("L1-000-cloud", CLOUD.prompt, CLOUD.domains)
    only = {k: RunSpec(task, "sequential", cfg.models[0], 4, 0, "concat",
                       shock("shift", priority_shift={"kind": k})).announcement
            for k in ("constraint", "priority")}
    assert only["constraint"] is not None and only["constraint"].startswith("A new constraint")
    assert only["priority"] is not None and "final say" in only["priority"]
    other = RunSpec(task, "sequential", cfg.models[0], 4, 0, "concat",
                    shock("other", priority_shift={})).announcement
    baseline = RunSpec(task, "sequential", cfg.models[0], 4, 0, "concat")
    assert baseline.announcement is None and isinstance(other, str)


def test_a_run_ending_before_its_midpoint_announces_nothing(tmp_path: Path) -> None:
    # coordinator N = 4 idling every worker: one call, the midpoint (3 calls) never comes
    register_script("recorder", Recorder(unlisted={1, 2, 3, 4}))
    cfg = study_config(tmp_path, assembly="concat")
    spec = RunSpec(CLOUD, "coordinator", cfg.models[0], 4, 0, "concat",
                   shock("shift", priority_shift={}))
    outcome = asyncio.run(run_one(spec, Gateway(cfg, CallCache(tmp_path / "cache")), cfg))
    assert outcome.run["shock_announcement"] is None and outcome.run["status"] == "ok"


def test_every_protocol_is_told_at_its_midpoint(tmp_path: Path, recorder: Recorder) -> None:
    # no protocol-specific code: asks that start after half the calls see the update
    for name in ("broadcast", "two_pass_sequential", "coordinator", "clonal"):
        recorder.requests.clear()
        recorder.calls.clear()
        cfg = study_config(tmp_path / name, assembly="concat")
        spec = RunSpec(CLOUD, name, cfg.models[0], 4, 0, "concat",
                       shock("shift", priority_shift={}))
        gateway = Gateway(cfg, CallCache(tmp_path / name / "cache"))
        outcome = asyncio.run(run_one(spec, gateway, cfg))
        asks = [m for m in recorder.requests if agent_of(m)]
        told = [UPDATE_HEADING in m[-1]["content"] for m in asks]
        midpoint = math.ceil(registry.get(name).expected_calls(4) / 2)
        assert told == [i >= midpoint for i in range(len(asks))], name
        assert outcome.run["shock_announcement"] == spec.announcement
