"""Structured output against servers that honour, refuse or ignore a response_format.

Why: a self-hosted OpenAI-compatible server is the path most open-weights users take, and
litellm knows nothing of its model name. `auto` must find the strongest mode the server takes
(falling back once per model, recorded and announced, never silently), remember it in the cache
file so a resumed run neither probes again nor changes its cache keys, and record per row which
mode each call used. The stub server plays each kind of server (`formats`).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from selforg.config import StudyConfig, load_config
from selforg.llm import structured
from selforg.llm.cache import CallCache, read_modes
from selforg.llm.gateway import CallResult, Gateway
from selforg.llm.stub_server import StubServer
from selforg.protocols.turn import TURN_SCHEMA
from selforg.tables import read_table
from stages.generate_tasks import generate_tasks
from stages.judge import judge
from stages.run_protocol import run_protocol
from tests.conftest import scripted_params, write_params

# The reply llama-cpp-python 0.3.36's server gives a json_schema request (measured): HTTP 500
# with a pydantic validation error naming response_format.
LLAMA_CPP_SERVER = {"json_schema": 500}


def served(api_base: str, **extra: Any) -> dict[str, Any]:
    return {"name": "served", "model": "openai/my-model", "api_base": api_base,
            "max_concurrency": 2, "timeout_s": 5.0,
            "price": {"input_per_mtok": 0.5, "output_per_mtok": 1.5}, **extra}


def config(tmp_path: Path, api_base: str, **extra: Any) -> StudyConfig:
    params = scripted_params(tmp_path / "cache")
    params["models"][0] = served(api_base, **extra)
    params["study"]["models"] = ["served"]
    return load_config(write_params(tmp_path / "params.yaml", params))


def ask(gateway: Gateway, cfg: StudyConfig, text: str) -> CallResult:
    messages = [{"role": "system", "content": "You are an agent."},
                {"role": "user", "content": f"You are agent 0. {text}"}]
    return asyncio.run(gateway.complete(cfg.models[0], messages, max_tokens=64,
                                        temperature=0.0, json_schema=TURN_SCHEMA))


def fresh(cfg: StudyConfig, tmp_path: Path) -> Gateway:
    """A gateway on the shared cache directory, as a new process would open it."""
    return Gateway(cfg, CallCache(tmp_path / "cache"))


def test_what_counts_as_an_unconstrained_reply() -> None:
    assert structured.unconstrained("Sure! Here is the JSON: {}")
    assert structured.unconstrained('```json\n{"a": 1}\n```')
    # constrained but cut off at max_tokens, or with a raw newline in a string (llama.cpp's
    # grammar allows it; strict JSON does not): still the work of a constrained decoder
    assert not structured.unconstrained('  { "accuracy": 1, "rationale": "cut')
    assert not structured.unconstrained('{ "rationale": "}\nThe answer is:" }')


def test_start_modes() -> None:
    from selforg.config import ModelSpec

    def spec(model: str, **kw: Any) -> ModelSpec:
        return ModelSpec(name="m", model=model, **kw)

    assert structured.start_mode(spec("local/smollm2-135m")) == "json_object"
    assert structured.start_mode(spec("openai/gpt-4o-mini")) == "json_schema"
    # litellm knows this model: JSON mode (response_format), no response schema
    assert structured.start_mode(spec("gpt-3.5-turbo")) == "json_object"
    assert structured.start_mode(spec("openai/Qwen2.5-7B", api_base="http://h/v1")) == \
        "json_schema"
    assert structured.start_mode(spec("openai/gpt-4o-mini", structured_output="prompt")) == \
        "prompt"
    assert not structured.falls_back(spec("scripted/instant"))
    assert not structured.falls_back(spec("openai/x", api_base="http://h/v1",
                                          structured_output="json_schema"))


@pytest.mark.parametrize("refusal", [400, 422, 500])
def test_refused_json_schema_falls_back_once_and_is_remembered(
        tmp_path: Path, refusal: int, capsys: pytest.CaptureFixture[str]) -> None:
    with StubServer(formats={"json_schema": refusal}) as server:
        cfg = config(tmp_path, server.api_base)
        gateway = fresh(cfg, tmp_path)
        first = ask(gateway, cfg, "first")
        assert first.error is None and first.structured_output == "json_object"
        assert json.loads(first.text or "")["contribution"]
        assert server.state.events["refused_json_schema"] == 1
        assert "falls back from json_schema to json_object" in capsys.readouterr().out
        assert gateway.stats.fallbacks and gateway.stats.retries == 0
        second = ask(gateway, cfg, "second")
        assert second.structured_output == "json_object"
        # A new process starts from the remembered mode: no probe, and the replay hits.
        again = fresh(cfg, tmp_path)
        assert again.mode_of(cfg.models[0]) == "json_object"
        replay = ask(again, cfg, "first")
        assert replay.cached and replay.text == first.text
        assert replay.structured_output == "json_object"
        third = ask(again, cfg, "third")
        assert third.error is None and not third.cached
        assert server.state.events["refused_json_schema"] == 1
    modes = read_modes(tmp_path / "cache")
    assert modes[("openai/my-model", server.api_base)][0] == "json_object"
    assert "refused json_schema" in modes[("openai/my-model", server.api_base)][1]


def test_server_refusing_both_schema_modes_gets_the_schema_in_the_prompt(
        tmp_path: Path) -> None:
    seen: list[list[dict[str, str]]] = []

    def script(messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        seen.append(messages)
        assert "response_format" not in params
        return json.dumps({"role": "r", "abstain": False, "contribution": "c",
                           "follows": None, "builds_on": []})

    with StubServer(script=script, formats={"json_schema": 400, "json_object": 400}) as server:
        cfg = config(tmp_path, server.api_base)
        result = ask(fresh(cfg, tmp_path), cfg, "hello")
    assert result.error is None and result.structured_output == "prompt"
    system = seen[0][0]["content"]
    assert system.startswith("You are an agent.")
    assert '"contribution"' in system and "JSON Schema" in system
    assert read_modes(tmp_path / "cache")[("openai/my-model", server.api_base)][0] == "prompt"


def test_server_ignoring_json_schema_keeps_the_reply_and_moves_on(tmp_path: Path) -> None:
    """Accepted but ignored: the unconstrained reply was answered (and paid), so it stays the
    call's answer, recorded as json_schema; later calls use json_object; a replay answers the
    first call from its own key without asking the server."""
    with StubServer(formats={"json_schema": "ignore"}) as server:
        cfg = config(tmp_path, server.api_base)
        gateway = fresh(cfg, tmp_path)
        first = ask(gateway, cfg, "first")
        assert first.error is None and first.structured_output == "json_schema"
        assert structured.unconstrained(first.text or "")
        second = ask(gateway, cfg, "second")
        assert second.structured_output == "json_object"
        assert json.loads(second.text or "")["contribution"]
        answered = server.state.answered
        again = fresh(cfg, tmp_path)
        replayed = [ask(again, cfg, "first"), ask(again, cfg, "second")]
        assert all(r.cached for r in replayed)
        assert [r.structured_output for r in replayed] == ["json_schema", "json_object"]
        assert server.state.answered == answered == 2


def test_explicit_mode_never_falls_back(tmp_path: Path) -> None:
    with StubServer(formats={"json_schema": 500}) as server:
        cfg = config(tmp_path, server.api_base, structured_output="json_schema")
        result = ask(fresh(cfg, tmp_path), cfg, "hello")
    assert result.error is not None
    assert "refused structured_output json_schema" in result.error
    assert "structured_output: auto" in result.error
    assert server.state.requests == 1  # a refusal is not retried
    assert read_modes(tmp_path / "cache") == {}


def test_study_through_a_server_that_refuses_json_schema_parses_every_turn(
        tmp_path: Path) -> None:
    """The whole path, agents and judges: a llama-cpp-python-like server (json_schema answered
    with HTTP 500) still yields parsed turns and ok judgments, each row saying json_object."""
    params = scripted_params(tmp_path / "cache")
    with StubServer(formats=LLAMA_CPP_SERVER) as server:
        params["models"] = [served(server.api_base),
                            {**served(server.api_base), "name": "served-judge",
                             "model": "openai/judge-model"}]
        params["study"]["models"] = ["served"]
        params["judges"]["models"] = ["served-judge"]
        path = write_params(tmp_path / "params.yaml", params)
        generate_tasks(path, tmp_path)
        run_protocol(path, tmp_path)
        judge(path, tmp_path)
        # one refusal per model string, then every call used the remembered mode
        assert server.state.events["refused_json_schema"] <= 2 * 2  # max_concurrency each
    turns = read_table("turns", tmp_path / "data" / "turns.parquet")
    judgments = read_table("judgments", tmp_path / "data" / "judgments.parquet")
    agents = turns[turns["agent"] >= 0]
    assert agents["parse_ok"].all()
    assert set(agents["structured_output"]) == {"json_object"}
    assert turns.loc[turns["agent"] < 0, "structured_output"].isna().all()
    assert (judgments["status"] == "ok").all()
    assert set(judgments["structured_output"]) == {"json_object"}
