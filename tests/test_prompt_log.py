"""The prompt log: every model call's exact messages, shared text stored once, nothing dangling."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from selforg.errors import DataError
from selforg.llm.scripted import instant, register_script
from selforg.paths import Paths
from selforg.prompt_log import PromptLog, messages_of, split_parts, text_id
from selforg.tables import read_table
from selforg.validation import validate_prompt_log
from stages.generate_tasks import generate_tasks
from stages.judge import judge
from stages.run_protocol import run_protocol
from tests.conftest import scripted_params, write_params


@given(st.text(alphabet=st.sampled_from("ab \n\t{}\"é"), max_size=60))
def test_parts_join_back_to_the_content(content: str) -> None:
    parts = split_parts(content)
    assert "".join(parts) == content
    assert all(p for p in parts) and all("\n" not in p[:-1] for p in parts)


def test_equal_texts_are_stored_once() -> None:
    log = PromptLog()
    system = {"role": "system", "content": "Rules.\nMore rules."}
    for agent in range(3):
        log.record({"agent": agent}, [system, {"role": "user", "content": f"TASK\nagent {agent}"}],
                   json_schema={"type": "object"}, max_tokens=8, temperature=0.0, seeds=[agent])
    # "Rules.\n", "More rules.", "TASK\n", three agent lines, the schema
    assert len(log.texts) == 7
    assert messages_of(log.calls[2], log.texts)[1]["content"] == "TASK\nagent 2"
    assert log.texts[log.calls[0]["response_schema"]] == '{"type": "object"}'
    assert text_id("x") == text_id("x") != text_id("y")


class Spy:
    """The instant script, recording exactly the messages each call receives."""

    def __init__(self) -> None:
        self.seen: list[list[dict[str, str]]] = []

    def __call__(self, messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        self.seen.append([dict(m) for m in messages])
        return instant(messages, params)


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Spy, Spy]:
    root = tmp_path_factory.mktemp("prompts")
    agents, judges = Spy(), Spy()
    register_script("spy-agents", agents)
    register_script("spy-judge", judges)
    params = scripted_params(root / "cache")
    params["models"] = [{"name": "fake", "model": "scripted/spy-agents", "max_concurrency": 4},
                        {"name": "fake-judge", "model": "scripted/spy-judge"}]
    params["study"].update(protocols=["sequential", "coordinator"], n_agents=[3],
                           shocks=[{"name": "drop1", "remove": {"k": 1, "target": "random"}}])
    path = write_params(root / "params.yaml", params)
    generate_tasks(path, root)
    run_protocol(path, root)
    judge(path, root)
    return root, agents, judges


def _messages(root: Path, calls: str, texts: str) -> list[list[dict[str, str]]]:
    frame = read_table(calls, Paths(root).table(calls))
    table = read_table(texts, Paths(root).table(texts))
    lookup = dict(zip(table["text_id"], table["text"], strict=True))
    return [messages_of(row, lookup) for _, row in frame.iterrows()]


def test_every_agent_call_is_kept_exactly_keyed_to_its_turn(study: tuple[Path, Spy, Spy]) -> None:
    root, agents, _ = study
    paths = Paths(root)
    turns = read_table("turns", paths.turns)
    prompts = read_table("prompts", paths.prompts)
    called = turns[~turns["directed"] & ~turns["removed"]]
    key = ["run_id", "agent", "round"]
    assert sorted(map(tuple, prompts[key].to_numpy().tolist())) == \
        sorted(map(tuple, called[key].to_numpy().tolist()))
    assert turns["removed"].any(), "the shock must remove agents, whose turns have no call"
    sent = sorted(json.dumps(m) for m in agents.seen)
    assert sorted(json.dumps(m) for m in _messages(root, "prompts", "prompt_texts")) == sent
    coordinator = prompts[(prompts["agent"] == 0) & prompts["run_id"].str.startswith("coord")]
    assert coordinator["response_schema"].notna().all()
    assembly = prompts[prompts["agent"] == -1]
    assert len(assembly) > 0 and assembly["response_schema"].isna().all()


def test_shared_text_is_stored_once(study: tuple[Path, Spy, Spy]) -> None:
    root, _, _ = study
    prompts = read_table("prompts", Paths(root).prompts)
    texts = read_table("prompt_texts", Paths(root).prompt_texts)
    references = sum(len(p) for parts in prompts["parts"] for p in parts)
    assert len(texts) < references / 2


def test_every_judge_call_is_kept_with_its_seeds(study: tuple[Path, Spy, Spy]) -> None:
    root, _, judges = study
    paths = Paths(root)
    judgments = read_table("judgments", paths.judgments)
    calls = read_table("judge_prompts", paths.judge_prompts)
    key = ["run_id", "judge_model", "sample"]
    assert calls[key].values.tolist() == judgments[key].values.tolist()
    assert all(len(s) == 1 for s in calls["seeds"])  # every scripted judgment parses at once
    assert sorted(json.dumps(m) for m in _messages(root, "judge_prompts", "judge_prompt_texts")) \
        == sorted(json.dumps(m) for m in judges.seen)


def test_a_dangling_prompt_log_is_refused() -> None:
    log = PromptLog()
    log.record({"run_id": "r1", "agent": 0, "round": 0}, [{"role": "user", "content": "hi"}],
               json_schema=None, max_tokens=8, temperature=0.0, seeds=[1])
    turns = [{"run_id": "r1", "agent": 0, "round": 0}]
    validate_prompt_log("prompts", log.calls, log.text_rows(), turns)
    with pytest.raises(DataError, match="missing from prompt_texts"):
        validate_prompt_log("prompts", log.calls, [], turns)
    with pytest.raises(DataError, match="every call keys a row of turns"):
        validate_prompt_log("prompts", log.calls, log.text_rows(),
                            [{"run_id": "r1", "agent": 1, "round": 0}])
    with pytest.raises(DataError, match="keyed twice"):
        validate_prompt_log("prompts", log.calls * 2, log.text_rows(), turns)


def test_texts_are_ordered_by_first_use_in_the_sorted_calls() -> None:
    """A run's texts are neighbours in the file (the viewer reads few row groups), and the
    order depends on the calls only, not on the order they finished in (judges)."""
    def log_of(order: list[int]) -> PromptLog:
        log = PromptLog()
        for k in order:
            log.record({"run_id": f"r{k}"}, [{"role": "user", "content": f"shared\nown {k}"}],
                       json_schema=None, max_tokens=8, temperature=0.0, seeds=[k])
        return log

    forward, backward = log_of([0, 1, 2]), log_of([2, 1, 0])
    calls = sorted(backward.calls, key=lambda c: c["run_id"])
    assert [t["text"] for t in backward.text_rows(calls)] == \
        [t["text"] for t in forward.text_rows()] == ["shared\n", "own 0", "own 1", "own 2"]
