"""The gateway through litellm with scripted models: cache, replicates, retries, budget."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from selforg.config import StudyConfig, load_config
from selforg.errors import BudgetExceeded, SelforgError
from selforg.llm.cache import CallCache
from selforg.llm.gateway import CallResult, Gateway
from selforg.llm.scripted import register_script
from tests.conftest import scripted_params, write_params

MESSAGES = [{"role": "user", "content": "hello"}]


def config(tmp_path: Path, **model: Any) -> StudyConfig:
    params = scripted_params(tmp_path / "cache")
    params["models"][0].update(model)
    return load_config(write_params(tmp_path / "p.yaml", params))


def call(gw: Gateway, cfg: StudyConfig, **kw: Any) -> CallResult:
    options: dict[str, Any] = {"max_tokens": 50, "temperature": 0.7, "replicate": 0,
                               "seed": 1}
    options.update(kw)
    return asyncio.run(gw.complete(cfg.models[0], MESSAGES, **options))


class Counter:
    """A script that counts its calls and raises `error()` on the first `fail` of them."""

    def __init__(self, fail: int = 0, error: Callable[[], Exception] | None = None) -> None:
        self.calls = 0
        self.fail = fail
        self.error = error

    def __call__(self, messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        self.calls += 1
        if self.calls <= self.fail and self.error is not None:
            raise self.error()
        return f"reply {self.calls} seed {params.get('seed')}"


def litellm_error(name: str) -> Callable[[], Exception]:
    import litellm

    cls = getattr(litellm, name)
    return lambda: cls(message="scripted failure", llm_provider="scripted", model="scripted/x")


def test_cache_answers_second_call_and_survives_processes(tmp_path: Path) -> None:
    script = Counter()
    register_script("count", script)
    cfg = config(tmp_path, model="scripted/count")
    first = call(Gateway(cfg, CallCache(tmp_path / "cache")), cfg)
    again = call(Gateway(cfg, CallCache(tmp_path / "cache")), cfg)
    assert script.calls == 1
    assert not first.cached and again.cached
    assert again.text == first.text
    assert again.prompt_tokens == first.prompt_tokens > 0


def test_replicates_are_independent_samples(tmp_path: Path) -> None:
    script = Counter()
    register_script("count", script)
    cfg = config(tmp_path, model="scripted/count")
    gw = Gateway(cfg, CallCache(tmp_path / "cache"))
    call(gw, cfg, replicate=0)
    call(gw, cfg, replicate=1)
    assert script.calls == 2


def test_rate_limit_is_retried_then_succeeds(tmp_path: Path) -> None:
    script = Counter(fail=2, error=litellm_error("RateLimitError"))
    register_script("flaky", script)
    cfg = config(tmp_path, model="scripted/flaky")
    gw = Gateway(cfg, CallCache(tmp_path / "cache"))
    result = call(gw, cfg)
    assert result.error is None
    assert script.calls == 3
    assert gw.stats.retries == 2


def test_persistent_failure_is_recorded_not_cached(tmp_path: Path) -> None:
    script = Counter(fail=100, error=litellm_error("InternalServerError"))
    register_script("down", script)
    cfg = config(tmp_path, model="scripted/down")
    gw = Gateway(cfg, CallCache(tmp_path / "cache"))
    result = call(gw, cfg)
    assert result.error is not None and "after 3 attempt" in result.error
    assert script.calls == 3
    script.fail = 0
    assert call(gw, cfg).error is None


def test_calls_leave_no_reservation_and_one_ledger_line_per_paid_call(tmp_path: Path) -> None:
    """A paid call's ledger line replaces its reservation in the cache write; a failed call
    releases its reservation and writes no ledger line."""
    register_script("flaky", Counter(fail=3, error=litellm_error("InternalServerError")))
    cfg = config(tmp_path, model="scripted/flaky")
    gw = Gateway(cfg, CallCache(tmp_path / "cache"))
    assert call(gw, cfg, seed=1).error is not None
    assert call(gw, cfg, seed=2).error is None
    assert call(gw, cfg, seed=2).cached
    (reservations,) = gw.cache.db.execute("SELECT COUNT(*) FROM reservations").fetchone()
    assert reservations == 0
    assert gw.cache.spent()[1] == 1


def test_budget_refuses_call_that_could_cross_cap(tmp_path: Path) -> None:
    script = Counter()
    register_script("count", script)
    params = scripted_params(tmp_path / "cache")
    params["models"][0].update(model="scripted/count",
                               price={"input_per_mtok": 100.0, "output_per_mtok": 100.0})
    params["budget"] = {"max_usd": 0.02, "max_calls": 1000}
    cfg = load_config(write_params(tmp_path / "p.yaml", params))
    gw = Gateway(cfg, CallCache(tmp_path / "cache"))
    spent = 0.0
    with pytest.raises(BudgetExceeded):
        for seed in range(100):
            spent += call(gw, cfg, seed=seed).cost_usd
    assert 0.01 < spent <= 0.02
    assert gw.cache.spent()[0] <= 0.02


def test_max_calls_counts_paid_calls_across_processes(tmp_path: Path) -> None:
    register_script("count", Counter())
    params = scripted_params(tmp_path / "cache")
    params["models"][0].update(model="scripted/count")
    params["budget"] = {"max_usd": 1.0, "max_calls": 2}
    cfg = load_config(write_params(tmp_path / "p.yaml", params))
    call(Gateway(cfg, CallCache(tmp_path / "cache")), cfg, seed=1)
    call(Gateway(cfg, CallCache(tmp_path / "cache")), cfg, seed=2)
    fresh = Gateway(cfg, CallCache(tmp_path / "cache"))
    assert call(fresh, cfg, seed=1).cached
    with pytest.raises(BudgetExceeded, match="max_calls"):
        call(fresh, cfg, seed=3)


def test_replay_only_fails_on_miss(tmp_path: Path) -> None:
    register_script("count", Counter())
    params = scripted_params(tmp_path / "cache")
    params["models"][0].update(model="scripted/count")
    params["cache"]["replay_only"] = True
    cfg = load_config(write_params(tmp_path / "p.yaml", params))
    with pytest.raises(SelforgError, match="replay-only"):
        call(Gateway(cfg, CallCache(tmp_path / "cache")), cfg)


def test_api_key_never_reaches_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-test-SECRET-1234567890"
    monkeypatch.setenv("SELFORG_FAKE_KEY", secret)

    def leaky(messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        raise ValueError(f"invalid key {secret}")

    register_script("leaky", leaky)
    cfg = config(tmp_path, model="scripted/leaky", api_key_env="SELFORG_FAKE_KEY")
    result = call(Gateway(cfg, CallCache(tmp_path / "cache")), cfg)
    assert result.error is not None
    assert secret not in result.error
    assert secret.encode() not in (tmp_path / "cache" / "calls.sqlite").read_bytes()


def priced_config(tmp_path: Path, max_usd: float) -> StudyConfig:
    params = scripted_params(tmp_path / "cache")
    params["models"][0].update(model="scripted/count", max_concurrency=8,
                               price={"input_per_mtok": 100.0, "output_per_mtok": 100.0})
    params["budget"] = {"max_usd": max_usd, "max_calls": 1000}
    return load_config(write_params(tmp_path / "p.yaml", params))


def test_cap_holds_for_gateways_sharing_a_cache_with_calls_in_flight(tmp_path: Path) -> None:
    """Two gateways on one cache directory (as two processes or Dask workers would be) spend
    within one cap together, not one cap each; calls that fit wait for room, so the cap is
    nearly used up rather than refused early because of worst-case reservations."""
    register_script("count", Counter())
    cfg = priced_config(tmp_path, max_usd=0.02)
    gateways = [Gateway(cfg, CallCache(tmp_path / "cache")) for _ in range(2)]

    async def spend(gw: Gateway, first_seed: int) -> float:
        async def one(seed: int) -> float:
            try:
                result = await gw.complete(cfg.models[0], MESSAGES, max_tokens=50,
                                           temperature=0.7, seed=seed)
            except BudgetExceeded:
                return 0.0
            return result.cost_usd
        return sum(await asyncio.gather(*(one(first_seed + s) for s in range(150))))

    async def both() -> list[float]:
        return list(await asyncio.gather(spend(gateways[0], 0), spend(gateways[1], 1000)))

    spent = asyncio.run(both())
    worst_case = (len('hello') + 16 + 50) * 100.0 / 1e6
    assert 0.02 - worst_case < sum(spent) <= 0.02
    assert CallCache(tmp_path / "cache").spent()[0] == pytest.approx(sum(spent))


def test_reservation_of_a_killed_process_is_dropped(tmp_path: Path) -> None:
    import sqlite3
    import subprocess
    import sys

    register_script("count", Counter())
    cfg = priced_config(tmp_path, max_usd=0.02)
    gw = Gateway(cfg, CallCache(tmp_path / "cache"))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    with sqlite3.connect(tmp_path / "cache" / "calls.sqlite") as db:
        db.execute("INSERT INTO reservations (host, pid, usd, created) VALUES (?, ?, 0.02, 0)",
                   (gw.budget._host, int(dead)))
    assert call(gw, cfg, seed=7).cost_usd > 0
