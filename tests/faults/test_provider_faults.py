"""A whole study against a provider that misbehaves: 429 with Retry-After, 500, hangs past the
client timeout, truncated and non-JSON bodies, all at once.

Why: a real study meets every one of these, and the pipeline's promises (a failed call becomes a
failed row with its reason, never an exception or a silent gap; a paid call is cached at once and
never paid for again; Retry-After is obeyed) only count if they hold while faults are firing.
The stub server counts what it answered, so "paid" is checked against the server's own tally.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from selforg.config import StudyConfig, load_config
from selforg.llm.cache import CallCache
from selforg.llm.gateway import Gateway
from selforg.llm.stub_server import Faults, StubServer
from selforg.tables import read_table
from stages.aggregate import aggregate
from stages.generate_tasks import generate_tasks
from stages.judge import judge
from stages.run_protocol import run_protocol
from tests.conftest import scripted_params, write_params

KEY_ENV = "SELFORG_FAULTS_KEY"
TIMEOUT_S = 0.6
# Just over the client timeout: the client gives up first, as with a provider that hangs.
HANG_S = TIMEOUT_S + 0.3
# The flaky provider: every kind of fault at once; most calls get through within 4 attempts.
FLAKY = Faults(rate_limit=0.15, server_error=0.15, hang=0.05, truncated=0.08, not_json=0.08,
               retry_after_s=0.02, hang_s=HANG_S)
# The provider in an outage: every request hangs past the timeout, so its runs must fail.
OUTAGE = Faults(hang=1.0, hang_s=HANG_S)


def served(name: str, api_base: str, max_concurrency: int = 4) -> dict[str, Any]:
    """A models[] entry for a stub server: priced, keyed, short timeout."""
    return {"name": name, "model": "openai/stub-model", "api_base": api_base,
            "api_key_env": KEY_ENV, "max_concurrency": max_concurrency, "timeout_s": TIMEOUT_S,
            "price": {"input_per_mtok": 0.5, "output_per_mtok": 1.5}}


def served_params(tmp_path: Path, api_base: str, *, outage_base: str | None = None,
                  attempts: int = 4, base_delay_s: float = 0.01,
                  max_delay_s: float = 0.05) -> Path:
    """The conftest study with agent models served by stubs and the scripted judge, so every
    server request is an agent or assembly call. `outage_base` adds a second studied model."""
    params: dict[str, Any] = scripted_params(tmp_path / "cache")
    params["tasks"] = {"per_level": 2, "levels": ["L1", "L2", "L3"]}
    params["models"][0] = served("served", api_base)
    params["study"]["models"] = ["served"]
    if outage_base is not None:
        params["models"].append(served("down", outage_base, max_concurrency=12))
        params["study"]["models"].append("down")
    params["judges"]["samples"] = 1
    params["retry"] = {"attempts": attempts, "base_delay_s": base_delay_s,
                       "max_delay_s": max_delay_s}
    # Runs failing for good is what these tests inject: the stages accept any share of them
    # here (tests/faults/test_failed_study.py checks that, by default, they stop the line).
    params["study"]["max_failed_share"] = 1.0
    return write_params(tmp_path / "params.yaml", params)


def paid_turns(turns: pd.DataFrame) -> pd.DataFrame:
    """Turns that reached a model and came back error-free without the cache: the paid ones.
    Directed abstentions (a coordinator idling an agent) never called anyone."""
    mask = turns["error"].isna() & ~turns["cached"].astype(bool) & ~turns["directed"].astype(bool)
    return turns[mask]


# Observed figures, printed at the end of the session for docs/reliability.md (-s shows them).
FIGURES: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _fake_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-faults-not-a-real-key")


def test_study_survives_provider_faults_and_never_pays_twice(tmp_path: Path) -> None:
    with StubServer(faults=FLAKY, seed=11) as flaky, StubServer(faults=OUTAGE) as down:
        params = served_params(tmp_path, flaky.api_base, outage_base=down.api_base)
        generate_tasks(params, tmp_path)
        run_protocol(params, tmp_path)
        first_answered = flaky.state.answered
        events = flaky.state.events + down.state.events
        judge(params, tmp_path)
        aggregate(params, tmp_path)

        runs = read_table("runs", tmp_path / "data" / "runs.parquet")
        turns = read_table("turns", tmp_path / "data" / "turns.parquet")
        FIGURES.update(injected=dict(events), requests=flaky.state.requests
                       + down.state.requests, answered=first_answered, runs=len(runs),
                       failed_runs=int((runs["status"] == "failed").sum()),
                       failed_turns=int(turns["error"].notna().sum()))
        # Faults really fired, of several kinds; the outage hung on every request.
        assert events["hang"] >= down.state.requests > 0, events
        assert len([k for k, v in flaky.state.events.items() if v]) >= 3, flaky.state.events
        assert down.state.answered == 0
        # Every run ended ok or failed with a reason; nothing else, nothing blank.
        assert set(runs["status"]) <= {"ok", "failed"}
        failed = runs[runs["status"] == "failed"]
        assert set(runs.loc[runs["model"] == "down", "status"]) == {"failed"}
        assert failed["error"].map(lambda e: isinstance(e, str) and e.strip() != "").all()
        assert runs.loc[runs["status"] == "ok", "error"].isna().all()
        assert (runs.loc[runs["status"] == "ok", "model"] == "served").sum() > 0
        # A failed call is recorded on its turn, with the attempts it took.
        errors = turns["error"].dropna()
        assert len(errors) >= len(failed)
        assert errors.str.contains(r"failed after 4 attempt", regex=False).all()
        # The server answered exactly the calls the study paid for: none lost, none doubled,
        # and the runs table's cost is the sum of exactly those calls.
        paid = paid_turns(turns)
        assert first_answered == len(paid)
        assert runs["cost_usd"].sum() == pytest.approx(paid["cost_usd"].sum())
        # Failure counts reach metrics.json; failed runs are not judged.
        metrics = json.loads((tmp_path / "reports" / "metrics.json").read_text())
        assert metrics["runs.total"] == len(runs)
        assert metrics["runs.failed"] == len(failed) > 0
        assert metrics["judgments.failed"] == 0

        # Second run, faults still on: every call paid the first time comes from the cache.
        # Only calls that never got an answer (all in failed runs) may be made again.
        before = flaky.state.answered
        run_protocol(params, tmp_path)
        again = read_table("turns", tmp_path / "data" / "turns.parquet")
        new_answered = flaky.state.answered - before
        ok_ids = set(runs.loc[runs["status"] == "ok", "run_id"])
        replayed = again[again["run_id"].isin(ok_ids) & ~again["directed"].astype(bool)]
        assert len(replayed) > 0 and replayed["cached"].astype(bool).all()
        assert not paid_turns(again)["run_id"].isin(ok_ids).any()
        assert new_answered == len(paid_turns(again))
        FIGURES.update(second_run_new_answered=new_answered,
                       flaky_events=dict(flaky.state.events))
        print(f"fault figures: {FIGURES}")


def _config(tmp_path: Path, api_base: str, attempts: int, max_delay_s: float) -> StudyConfig:
    return load_config(served_params(tmp_path, api_base, attempts=attempts, base_delay_s=0.0,
                                     max_delay_s=max_delay_s))


def _call(gateway: Gateway, cfg: StudyConfig, text: str) -> Any:
    return asyncio.run(gateway.complete(cfg.models[0], [{"role": "user", "content": text}],
                                        max_tokens=20, temperature=0.0))


def test_retry_after_is_honoured(tmp_path: Path) -> None:
    """With no backoff of its own (base_delay_s 0), any wait between attempts is the server's
    Retry-After; three attempts must therefore take at least two Retry-After periods."""
    retry_after = 0.3
    with StubServer() as server:
        cfg = _config(tmp_path, server.api_base, attempts=3, max_delay_s=5.0)
        gateway = Gateway(cfg, CallCache(tmp_path / "cache"))
        warm = _call(gateway, cfg, "warm up")  # first litellm call pays its import costs
        assert warm.error is None and server.state.answered == 1
        server.state.faults = Faults(rate_limit=1.0, retry_after_s=retry_after)
        requests_before = server.state.requests
        started = time.perf_counter()
        result = _call(gateway, cfg, "rate limited")
        elapsed = time.perf_counter() - started
    assert result.error is not None and "RateLimit" in result.error
    assert server.state.requests - requests_before == 3
    assert server.state.events["rate_limit"] == 3
    assert gateway.stats.retries == 2
    assert elapsed >= 2 * retry_after, elapsed


def test_retry_after_then_success_is_paid_once(tmp_path: Path) -> None:
    """A 429 followed by an answer: the call succeeds, is paid once, and is cached."""
    with StubServer(faults=Faults(rate_limit=1.0, retry_after_s=0.2)) as server:
        cfg = _config(tmp_path, server.api_base, attempts=4, max_delay_s=5.0)
        gateway = Gateway(cfg, CallCache(tmp_path / "cache"))

        async def lift_after_first_429() -> Any:
            call = asyncio.ensure_future(gateway.complete(
                cfg.models[0], [{"role": "user", "content": "x"}], max_tokens=20,
                temperature=0.0))
            while server.state.events["rate_limit"] == 0:
                await asyncio.sleep(0.005)
            server.state.faults = Faults()
            return await call

        result = asyncio.run(lift_after_first_429())
        assert result.error is None and not result.cached
        assert server.state.answered == 1
        again = _call(gateway, cfg, "x")
        assert again.cached and server.state.answered == 1
        assert gateway.stats.retries >= 1


def test_client_timeouts_are_counted_and_named(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A server slower than timeout_s: each abandoned attempt is counted as a timeout retry
    (the server may still be computing it), and the error names the model, URL and setting."""
    from selforg.progress import print_gateway_notes

    with StubServer(faults=Faults(hang=1.0, hang_s=HANG_S)) as server:
        cfg = _config(tmp_path, server.api_base, attempts=3, max_delay_s=0.0)
        gateway = Gateway(cfg, CallCache(tmp_path / "cache"))
        result = _call(gateway, cfg, "slow")
    assert result.error is not None
    assert f"model 'served' at {server.api_base} did not answer within timeout_s = 0.6 s" in \
        result.error
    assert gateway.stats.timeouts == gateway.stats.retries == 2
    print_gateway_notes("stage", gateway)
    note = capsys.readouterr().out
    assert "2 call(s) timed out on the client and were retried" in note
    assert "raise its models[].timeout_s" in note
