"""The LLM gateway: the one place in selforg that calls a model.

Every call goes through `Gateway.complete`, which in order: builds the cache key (what can change
the answer, plus the replicate), answers from the cache when it can, refuses a call that could
cross the budget, bounds concurrency per model, calls `litellm.acompletion`, retries rate
limits (honouring Retry-After), server errors and timeouts with exponential backoff and jitter,
prices the call, and stores it. A call that still fails comes back as a CallResult with `error`
set (the caller records it as a failed row); it is never cached and never silently dropped.
"""

from __future__ import annotations

import asyncio
import email.utils
import os
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from selforg.config import ModelSpec, StudyConfig
from selforg.errors import SelforgError
from selforg.llm import providers
from selforg.llm.budget import Budget
from selforg.llm.cache import CachedCall, CallCache, call_key
from selforg.llm.pricing import Prices, prices_for

RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 529}


@dataclass(frozen=True)
class CallResult:
    """What a caller learns about one call. `error` is set when it failed after retries."""

    text: str | None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_s: float = 0.0
    cached: bool = False
    error: str | None = None


@dataclass
class GatewayStats:
    """Counters for progress bars, plans and tests ("the second run made zero calls")."""

    calls: int = 0
    cache_hits: int = 0
    failures: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    usd: float = 0.0
    per_model: dict[str, int] = field(default_factory=dict)


def _retry_after(exc: BaseException) -> float | None:
    """Seconds from a Retry-After header on the provider's response, if any."""
    headers: Mapping[str, str] | None = getattr(exc, "litellm_response_headers", None)
    response = getattr(exc, "response", None)
    if headers is None and response is not None:
        headers = getattr(response, "headers", None)
    if not headers:
        return None
    value = headers.get("retry-after") or headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def _retryable(exc: BaseException) -> bool:
    import litellm

    transient = (litellm.RateLimitError, litellm.Timeout, litellm.APIConnectionError,
                 litellm.InternalServerError, litellm.ServiceUnavailableError)
    if isinstance(exc, (*transient, asyncio.TimeoutError)):
        return True
    return getattr(exc, "status_code", None) in RETRYABLE_STATUS


class Gateway:
    """One per process and study config; share it between all the calls of a stage."""

    def __init__(self, cfg: StudyConfig, cache: CallCache | None = None) -> None:
        self.cfg = cfg
        self.cache = cache or CallCache(cfg.cache.dir)
        self.budget = Budget(cfg.budget, self.cache)
        self.stats = GatewayStats()
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._prices: dict[str, Prices] = {}
        self._secrets = [os.environ[m.api_key_env] for m in cfg.models
                         if m.api_key_env and os.environ.get(m.api_key_env)]
        providers.ensure_registered()
        for spec in cfg.models:
            if providers.provider_of(spec.model) in providers.FREE_PROVIDERS:
                providers.declare_free(spec.model)

    def prices(self, spec: ModelSpec) -> Prices:
        if spec.name not in self._prices:
            self._prices[spec.name] = prices_for(spec)
        return self._prices[spec.name]

    def _scrub(self, text: str) -> str:
        """Remove any API key value a provider may echo in an error message."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _request(self, spec: ModelSpec, messages: list[dict[str, str]], max_tokens: int,
                 temperature: float, json_schema: dict[str, Any] | None, replicate: int,
                 seed: int) -> dict[str, Any]:
        return {"model": spec.model, "api_base": spec.api_base, "messages": messages,
                "max_tokens": max_tokens, "temperature": temperature, "schema": json_schema,
                "replicate": replicate, "seed": seed}

    async def complete(self, spec: ModelSpec, messages: list[dict[str, str]], *,
                       max_tokens: int, temperature: float,
                       json_schema: dict[str, Any] | None = None, replicate: int = 0,
                       seed: int = 0) -> CallResult:
        """One model call, cached, budgeted, bounded and retried. Never raises for provider
        errors (see CallResult.error); raises BudgetExceeded or a replay-only SelforgError."""
        key = call_key(self._request(spec, messages, max_tokens, temperature, json_schema,
                                     replicate, seed))
        hit = self.cache.get(key)
        if hit is not None:
            self.stats.cache_hits += 1
            return CallResult(hit.text, hit.prompt_tokens, hit.completion_tokens, hit.cost_usd,
                              hit.latency_s, cached=True)
        if self.cfg.cache.replay_only:
            raise SelforgError(f"cache miss for a call to {spec.name} in replay-only mode",
                               "set cache.replay_only: false to allow new model calls")
        prices = self.prices(spec)
        chars = sum(len(m["content"]) for m in messages)
        reservation = await self.budget.reserve(
            prices.cost(chars + 16 * len(messages), max_tokens), spec.name)
        semaphore = self._semaphores.setdefault(spec.name,
                                                asyncio.Semaphore(spec.max_concurrency))
        paid = False
        try:
            async with semaphore:
                result = await self._call_with_retries(spec, messages, max_tokens, temperature,
                                                       json_schema, seed, prices)
            if result.error is None:
                self.cache.put(key, spec.model, CachedCall(
                    result.text or "", result.prompt_tokens, result.completion_tokens,
                    result.cost_usd, result.latency_s), release=reservation.id)
                paid = True
        finally:
            if not paid:
                self.budget.release(reservation)
        self._count(spec, result)
        return result

    def _count(self, spec: ModelSpec, result: CallResult) -> None:
        s = self.stats
        if result.error is not None:
            s.failures += 1
            return
        s.calls += 1
        s.prompt_tokens += result.prompt_tokens
        s.completion_tokens += result.completion_tokens
        s.usd += result.cost_usd
        s.per_model[spec.name] = s.per_model.get(spec.name, 0) + 1

    async def _call_with_retries(self, spec: ModelSpec, messages: list[dict[str, str]],
                                 max_tokens: int, temperature: float,
                                 json_schema: dict[str, Any] | None, seed: int,
                                 prices: Prices) -> CallResult:
        retry = self.cfg.retry
        last_error = ""
        for attempt in range(retry.attempts):
            started = time.perf_counter()
            try:
                response = await self._acompletion(spec, messages, max_tokens, temperature,
                                                   json_schema, seed)
            except Exception as exc:
                last_error = self._scrub(f"{type(exc).__name__}: {exc}")[:500]
                if not _retryable(exc) or attempt == retry.attempts - 1:
                    break
                self.stats.retries += 1
                backoff = min(retry.max_delay_s, retry.base_delay_s * 2**attempt)
                delay = _retry_after(exc) or backoff * (0.5 + random.random() / 2)
                await asyncio.sleep(min(delay, retry.max_delay_s))
                continue
            latency = time.perf_counter() - started
            text = response.choices[0].message.content or ""
            usage = getattr(response, "usage", None)
            p_tok = int(getattr(usage, "prompt_tokens", 0) or 0)
            c_tok = int(getattr(usage, "completion_tokens", 0) or 0)
            return CallResult(text, p_tok, c_tok, prices.cost(p_tok, c_tok), latency)
        return CallResult(None, error=f"failed after {attempt + 1} attempt(s): {last_error}")

    async def _acompletion(self, spec: ModelSpec, messages: list[dict[str, str]],
                           max_tokens: int, temperature: float,
                           json_schema: dict[str, Any] | None, seed: int) -> Any:
        import litellm

        kwargs: dict[str, Any] = {
            "model": spec.model, "messages": messages, "max_tokens": max_tokens,
            "temperature": temperature, "seed": seed, "timeout": spec.timeout_s,
            "num_retries": 0, "drop_params": True,
        }
        if spec.api_base:
            kwargs["api_base"] = spec.api_base
        if spec.api_key_env:
            kwargs["api_key"] = os.environ.get(spec.api_key_env)
        elif spec.api_base:
            # A self-hosted OpenAI-compatible server needs no key, but the client insists on one.
            kwargs["api_key"] = "no-key"
        if json_schema is not None:
            kwargs["response_format"] = providers.response_format(spec, json_schema)
        # litellm enforces timeout_s itself; this outer bound only catches a call that hangs
        # anyway, with room for litellm's slow first call in a process. asyncio.timeout rather
        # than wait_for: it bounds the call in this task instead of wrapping it in another one.
        async with asyncio.timeout(spec.timeout_s + 30):
            return await litellm.acompletion(**kwargs)
