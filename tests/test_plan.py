"""`selforg plan` per model: the structured-output mode it will use, loud about prompt-only
JSON, and the timeout hint for self-hosted servers. No model call, no cache created."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from selforg.cli import main
from selforg.llm.cache import CallCache
from tests.conftest import scripted_params, write_params


def plan_output(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                models: list[dict[str, Any]]) -> str:
    params = scripted_params(tmp_path / "cache")
    params["models"] = models + params["models"][1:]
    params["study"]["models"] = [models[0]["name"]]
    path = write_params(tmp_path / "p.yaml", params)
    with pytest.raises(SystemExit) as exc:
        main(["plan", "--params", str(path)])
    assert exc.value.code == 0
    return capsys.readouterr().out


SERVER = {"name": "server", "model": "openai/my-model", "api_base": "http://127.0.0.1:9/v1",
          "timeout_s": 30, "price": {"input_per_mtok": 0, "output_per_mtok": 0}}


def test_plan_says_each_models_mode_and_hints_the_timeout(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = plan_output(tmp_path, capsys, [SERVER])
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    assert "json_schema (auto, not yet tried" in lines["server"]
    assert "falls back to json_object then prompt" in lines["server"]
    assert "json_object (auto: constrained decoding" in lines["fake-judge"]
    assert "hint: server is self-hosted" in out and "timeout_s = 30 s" in out
    assert "WARNING" not in out
    assert not (tmp_path / "cache").exists(), "plan must not create a call cache"


def test_plan_warns_loudly_on_prompt_only_json(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = plan_output(tmp_path, capsys, [{**SERVER, "structured_output": "prompt"}])
    assert "prompt (set in params; no fallback)" in out
    assert "WARNING: server gets prompt-only JSON" in out


def test_plan_shows_the_mode_the_cache_remembers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    CallCache(tmp_path / "cache").set_mode("openai/my-model", SERVER["api_base"],
                                           "json_object", "auto: the server refused json_schema")
    out = plan_output(tmp_path, capsys, [SERVER])
    assert "json_object (auto: the server refused json_schema)" in out
