"""`openai/NAME` + api_base + api_key_env against a local OpenAI-compatible server: the path of
every hosted provider, with no code change. Also: the key reaches the server and nowhere else,
and injected provider faults end as retried calls or failed rows with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from selforg.llm.stub_server import Faults, StubServer
from selforg.tables import read_table
from stages.generate_tasks import generate_tasks
from stages.judge import judge
from stages.run_protocol import run_protocol
from tests.conftest import scripted_params, write_params

SECRET = "sk-stub-0123456789abcdef-SECRET"


def study(tmp_path: Path, api_base: str, attempts: int = 3) -> Path:
    params = scripted_params(tmp_path / "cache")
    params["models"][0] = {"name": "served", "model": "openai/stub-model", "api_base": api_base,
                           "api_key_env": "SELFORG_STUB_KEY", "max_concurrency": 4,
                           "timeout_s": 2.0,
                           "price": {"input_per_mtok": 0.5, "output_per_mtok": 1.5}}
    params["study"]["models"] = ["served"]
    # injected faults may fail a run for good; these tests record failures, so accept them
    params["study"]["max_failed_share"] = 1.0
    params["retry"] = {"attempts": attempts, "base_delay_s": 0.01, "max_delay_s": 0.05}
    path = write_params(tmp_path / "params.yaml", params)
    generate_tasks(path, tmp_path)
    run_protocol(path, tmp_path)
    judge(path, tmp_path)
    return tmp_path


def test_openai_compatible_server_works_and_key_stays_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELFORG_STUB_KEY", SECRET)
    with StubServer() as server:
        study(tmp_path, server.api_base)
    runs = read_table("runs", tmp_path / "data" / "runs.parquet")
    assert (runs["status"] == "ok").all()
    assert (runs["cost_usd"] > 0).all()
    assert server.state.answered == int(runs["n_calls"].sum())
    assert set(server.state.auth_headers) == {f"Bearer {SECRET}"}
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_provider_faults_are_retried_or_recorded(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELFORG_STUB_KEY", SECRET)
    faults = Faults(rate_limit=0.15, server_error=0.15, truncated=0.05, not_json=0.05,
                    retry_after_s=0.01)
    with StubServer(faults=faults, seed=3) as server:
        study(tmp_path, server.api_base, attempts=4)
    runs = read_table("runs", tmp_path / "data" / "runs.parquet")
    turns = read_table("turns", tmp_path / "data" / "turns.parquet")
    assert sum(server.state.events.values()) > 0
    assert set(runs["status"]) <= {"ok", "failed"}
    failed = runs[runs["status"] == "failed"]
    assert failed["error"].notna().all()
    paid = int((turns["error"].isna()).sum())
    assert paid == server.state.answered


def test_self_hosted_server_needs_no_key(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    params = scripted_params(tmp_path / "cache")
    with StubServer() as server:
        params["models"][0] = {"name": "served", "model": "openai/stub-model",
                               "api_base": server.api_base,
                               "price": {"input_per_mtok": 0, "output_per_mtok": 0}}
        params["study"]["models"] = ["served"]
        path = write_params(tmp_path / "params.yaml", params)
        generate_tasks(path, tmp_path)
        run_protocol(path, tmp_path)
    runs = read_table("runs", tmp_path / "data" / "runs.parquet")
    assert (runs["status"] == "ok").all()
    assert server.state.answered == int(runs["n_calls"].sum())
