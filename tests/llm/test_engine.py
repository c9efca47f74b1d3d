"""The embedded engine: answers that depend on the request alone, JSON that parses, prefix
reuse that evaluates less, and any GGUF file addressed by path.

One engine per module (loading SmolLM2 takes about 0.2 s, but each holds 100+ MB).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from selforg.config import load_config
from selforg.errors import SelforgError
from selforg.llm.cache import CallCache
from selforg.llm.engine import THREADS_ENV, Engine, threads
from selforg.llm.gateway import Gateway
from selforg.llm.local_models import identity, weights_path
from selforg.protocols.turn import TURN_SCHEMA
from tests.conftest import scripted_params, write_params

TASK = ("Plan the migration of a hospital's patient records to a new system across IT, legal "
        "compliance and clinical operations; name the owner and main risk of each step. ") * 4


def agent(i: int, extra: str = "") -> list[dict[str, str]]:
    """An agent prompt as selforg builds them: shared rules and task first, identity last."""
    return [{"role": "system", "content": "You are one agent in a team of AI agents. " + TASK},
            {"role": "user", "content": f"TASK:\n{TASK}{extra}\nYou are agent {i}. Reply in JSON."}]


@pytest.fixture(scope="module")
def smollm2() -> Path:
    return weights_path("smollm2-135m")


@pytest.fixture(scope="module")
def cold(smollm2: Path) -> Engine:
    """An engine that reuses nothing: every prompt evaluated from position 0."""
    engine = Engine(smollm2, reuse_prefixes=False)
    yield engine
    engine.close()


def test_prefix_reuse_does_not_change_answers(smollm2: Path, cold: Engine) -> None:
    """The same calls answered cold and on an engine whose context and saved states hold
    other prompts of the same family (interleaved as concurrent runs interleave) give the
    same text, token for token, while evaluating a fraction of the prompt tokens."""
    calls = [(i, 40 + i) for i in range(4)]
    expected = {i: cold.complete(agent(i), max_tokens=40, temperature=0.7, seed=seed,
                                 json_schema=TURN_SCHEMA).text for i, seed in calls}
    warm = Engine(smollm2)
    try:
        for i, seed in reversed(calls):
            warm.complete(agent(i, " Mind the budget."), max_tokens=12, temperature=0.7,
                          seed=7, json_schema=TURN_SCHEMA)
            warm.complete([{"role": "user", "content": f"Something else entirely {i}."}],
                          max_tokens=8, temperature=0.7, seed=7)
            got = warm.complete(agent(i), max_tokens=40, temperature=0.7, seed=seed,
                                json_schema=TURN_SCHEMA)
            assert got.text == expected[i]
        assert warm.stats.restores > 0
        assert warm.stats.evaluated_tokens < warm.stats.prompt_tokens / 2
    finally:
        warm.close()


def test_answers_do_not_depend_on_the_thread_count(
        smollm2: Path, cold: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """One thread gives the text two threads give (the suite's workers run engines on fewer
    threads than a study does, and a fresh clone on another machine must reproduce the
    committed results), prompt evaluation and generation both."""
    monkeypatch.setenv(THREADS_ENV, "2")
    two = Engine(smollm2, reuse_prefixes=False)
    monkeypatch.setenv(THREADS_ENV, "1")
    one = Engine(smollm2, reuse_prefixes=False)
    try:
        assert (two.llama.n_threads, one.llama.n_threads) == (2, 1)
        for seed in range(2):
            args = {"max_tokens": 48, "temperature": 0.7, "seed": seed,
                    "json_schema": TURN_SCHEMA}
            assert one.complete(agent(seed), **args).text == two.complete(agent(seed), **args).text
    finally:
        one.close()
        two.close()


def test_thread_count_setting_is_checked(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(THREADS_ENV, "3")
    assert threads() == 3
    monkeypatch.delenv(THREADS_ENV)
    assert threads() == (os.cpu_count() or 1)
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv(THREADS_ENV, bad)
        with pytest.raises(ValueError, match=THREADS_ENV):
            threads()
    params = scripted_params(tmp_path / "cache")
    params["models"][0]["model"] = "local/smollm2-135m"
    with pytest.raises(SelforgError, match=f"{THREADS_ENV}='-1' is not a positive") as caught:
        load_config(write_params(tmp_path / "p.yaml", params))
    assert caught.value.exit_code == 2


def test_constrained_answers_parse_and_follow_the_schema(cold: Engine) -> None:
    """Sample-then-check still only ever emits what the grammar allows: every answer that
    ended by itself parses, with the schema's keys. (llama.cpp's JSON grammar lets raw
    newlines into strings, so it parses as selforg's turn parser does: strict=False.)"""
    finished = 0
    for seed in range(6):
        out = cold.complete(agent(seed), max_tokens=160, temperature=0.9, seed=seed,
                            json_schema=TURN_SCHEMA)
        if out.completion_tokens < 160:
            finished += 1
            assert set(json.loads(out.text, strict=False)) == set(TURN_SCHEMA["required"])
    assert finished >= 3


def test_any_json_object_without_a_schema(cold: Engine) -> None:
    out = cold.complete([{"role": "user", "content": "Give a JSON object with a name."}],
                        max_tokens=60, temperature=0.0, seed=0, json_object=True)
    if out.completion_tokens < 60:
        assert isinstance(json.loads(out.text, strict=False), dict)
    assert out.text.lstrip().startswith("{")


def test_seed_decides_and_temperature_zero_is_greedy(cold: Engine) -> None:
    def answer(seed: int, temperature: float) -> str:
        return cold.complete(agent(1), max_tokens=24, temperature=temperature, seed=seed,
                             json_schema=TURN_SCHEMA).text

    assert answer(1, 0.9) == answer(1, 0.9)
    assert len({answer(seed, 1.2) for seed in range(4)}) > 1
    assert answer(1, 0.0) == answer(2, 0.0)


def test_a_prompt_longer_than_the_context_is_refused(cold: Engine) -> None:
    with pytest.raises(ValueError, match="exceed context window"):
        cold.complete([{"role": "user", "content": "word " * 5000}], max_tokens=8,
                      temperature=0.7, seed=0)


def test_a_gguf_file_by_path_runs_through_the_gateway(tmp_path: Path, smollm2: Path) -> None:
    """`local/PATH.gguf` is the packaged SmolLM2 addressed by path: same engine, same answer
    as `local/smollm2-135m`, and its cache key names the weights' hash."""
    os.symlink(smollm2, tmp_path / "mine.gguf")
    models = [{"name": "packaged", "model": "local/smollm2-135m"},
              {"name": "by_path", "model": f"local/{tmp_path / 'mine.gguf'}"}]
    params = scripted_params(tmp_path / "cache", models=models,
                             study={"models": ["packaged"], "protocols": ["single"],
                                    "n_agents": [1]},
                             judges={"models": ["by_path"], "allow_self_judging": True})
    cfg = load_config(write_params(tmp_path / "params.yaml", params))
    gateway = Gateway(cfg, CallCache(tmp_path / "cache"))

    async def ask(name: str) -> str:
        result = await gateway.complete(cfg.model(name), agent(2), max_tokens=32,
                                        temperature=0.7, json_schema=TURN_SCHEMA, seed=5)
        assert result.error is None and not result.cached
        assert result.prompt_tokens > 0 and result.completion_tokens > 0
        return result.text

    assert asyncio.run(ask("packaged")) == asyncio.run(ask("by_path"))
    assert identity(str(tmp_path / "mine.gguf")) == identity("smollm2-135m")
    assert identity("smollm2-135m").split(":sha256:")[1] != ""


def test_bad_gguf_paths_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(SelforgError, match="GGUF file not found"):
        weights_path(str(tmp_path / "absent.gguf"))
    text = tmp_path / "notes.gguf"
    text.write_text("not weights")
    with pytest.raises(SelforgError, match="is not a GGUF file"):
        weights_path(str(text))
    if os.geteuid() != 0:  # root reads any file
        locked = tmp_path / "locked.gguf"
        locked.write_bytes(b"GGUF")
        locked.chmod(0)
        with pytest.raises(SelforgError, match="cannot read"):
            weights_path(str(locked))


def test_config_check_refuses_a_missing_gguf_before_any_call(tmp_path: Path) -> None:
    params = scripted_params(tmp_path / "cache")
    params["models"][0]["model"] = f"local/{tmp_path / 'absent.gguf'}"
    with pytest.raises(SelforgError, match="GGUF file not found") as caught:
        load_config(write_params(tmp_path / "p.yaml", params))
    assert caught.value.exit_code == 2
