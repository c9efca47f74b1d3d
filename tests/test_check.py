"""`selforg check`: one tiny call per model, before any study money is spent.

Why: a wrong api_base, a server that is down, a rejected key or a server that refuses
json_schema should show up in seconds, by name, not as a study of failed runs. The check goes
through the gateway (so it probes and remembers the structured-output mode the study will use)
and exits 2 naming each model that failed.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from selforg.cli import main
from selforg.llm.cache import read_modes
from selforg.llm.stub_server import StubServer
from tests.conftest import scripted_params, write_params


def dead_api_base() -> str:
    """An address nothing listens on (a port just released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def served(name: str, api_base: str) -> dict[str, Any]:
    return {"name": name, "model": f"openai/{name}", "api_base": api_base, "timeout_s": 5.0,
            "price": {"input_per_mtok": 0, "output_per_mtok": 0}}


def check(tmp_path: Path, capsys: pytest.CaptureFixture[str],
          models: list[dict[str, Any]]) -> tuple[int, str, str]:
    params = scripted_params(tmp_path / "cache")
    params["models"] = models
    params["study"]["models"] = [models[0]["name"]]
    params["judges"]["models"] = [models[-1]["name"]]
    params["judges"]["allow_self_judging"] = len(models) == 1
    path = write_params(tmp_path / "p.yaml", params)
    with pytest.raises(SystemExit) as exc:
        main(["check", "--params", str(path), "--root", str(tmp_path)])
    captured = capsys.readouterr()
    return int(exc.value.code or 0), captured.out, captured.err


def test_check_probes_the_mode_and_remembers_it(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    with StubServer(formats={"json_schema": 500}) as server:
        code, out, _ = check(tmp_path, capsys, [served("agent", server.api_base),
                                                {"name": "judge",
                                                 "model": "scripted/instant-judge"}])
        assert server.state.answered == 1
    assert code == 0, out
    assert "agent            ok" in out and "reply JSON" in out
    assert "structured output: json_object (auto: the server refused json_schema" in out
    assert read_modes(tmp_path / "cache")[("openai/agent", server.api_base)][0] == \
        "json_object"


def test_check_names_the_unreachable_model_and_its_url(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = dead_api_base()
    with StubServer() as server:
        code, out, err = check(tmp_path, capsys, [served("agent", server.api_base),
                                                  served("down", url)])
    assert code == 2
    assert "agent            ok" in out
    assert f"cannot connect to model 'down' at {url}" in err
    assert "error: model down failed its check" in err and "fix:" in err
    assert "Traceback" not in err
