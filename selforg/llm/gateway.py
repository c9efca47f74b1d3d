"""The LLM gateway: the one place in selforg that calls a model.

Every call goes through `Gateway.complete`, which in order: picks the call's structured-output
mode (selforg.llm.structured), builds the cache key from the request as it will be sent (what
can change the answer, plus the replicate), answers from the cache when it can, refuses a call
that could cross the budget, bounds concurrency per model, waits for the model's rate limits
(selforg.llm.ratelimit), calls `litellm.acompletion`, retries rate limits (honouring
Retry-After), server errors and timeouts with exponential backoff and jitter, falls back to a
weaker structured-output mode when a server refuses one (under `auto`, recorded), prices the
call, and stores it. A call that still fails comes back as a CallResult with `error` set (the
caller records it as a failed row); it is never cached and never silently dropped.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import json
import os
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from selforg.config import ModelSpec, StudyConfig
from selforg.errors import SelforgError
from selforg.llm import local_models, providers, structured
from selforg.llm.budget import Budget
from selforg.llm.cache import CachedCall, CallCache, call_key
from selforg.llm.pricing import Prices, prices_for
from selforg.llm.ratelimit import RateLimiter, request_tokens

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
    # The structured-output mode the request was sent with; None when it asked for no JSON.
    structured_output: str | None = None


@dataclass
class GatewayStats:
    """Counters for progress bars, plans and tests ("the second run made zero calls")."""

    calls: int = 0
    cache_hits: int = 0
    failures: int = 0
    retries: int = 0
    # Retries after the client gave up waiting: the server may still be computing the call.
    timeouts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    usd: float = 0.0
    per_model: dict[str, int] = field(default_factory=dict)
    # One line per structured-output fallback, as announced.
    fallbacks: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Sent:
    """One request's outcome as the retry loop saw it: the result, and whether the server
    refused its structured-output field."""

    result: CallResult
    refused: bool = False


def _headers(source: object) -> dict[str, str]:
    """Provider response headers of a litellm response or exception, lower-case, with
    litellm's `llm_provider-` prefix removed."""
    raw: Mapping[str, str] | None = getattr(source, "litellm_response_headers", None)
    hidden = getattr(source, "_hidden_params", None)
    if raw is None and isinstance(hidden, dict):
        raw = hidden.get("additional_headers")
    response = getattr(source, "response", None)
    if raw is None and response is not None:
        raw = getattr(response, "headers", None)
    if not raw:
        return {}
    return {str(k).lower().removeprefix("llm_provider-"): str(v) for k, v in raw.items()}


def _retry_after(exc: BaseException) -> float | None:
    """Seconds from a Retry-After header on the provider's response, if any."""
    value = _headers(exc).get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def _timed_out(exc: BaseException) -> bool:
    import litellm

    return isinstance(exc, (litellm.Timeout, asyncio.TimeoutError))


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
        self._limiters: dict[str, RateLimiter] = {}
        self._prices: dict[str, Prices] = {}
        self._modes = self.cache.modes()
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

    def mode_of(self, spec: ModelSpec) -> str:
        """The structured-output mode this model's next JSON call is sent with: the one it
        settled on (remembered in the cache) under `auto`, else where it starts."""
        remembered = self._modes.get(_where(spec)) if structured.falls_back(spec) else None
        return remembered[0] if remembered else structured.start_mode(spec)

    def resolved(self, spec: ModelSpec) -> tuple[str, str] | None:
        """The remembered (mode, why) of an `auto` model, if it has settled on one."""
        return self._modes.get(_where(spec)) if structured.falls_back(spec) else None

    def _request(self, spec: ModelSpec, messages: list[dict[str, str]], max_tokens: int,
                 temperature: float, json_schema: dict[str, Any] | None, mode: str | None,
                 replicate: int, seed: int) -> dict[str, Any]:
        """The request as it will be sent (the messages carry the schema in prompt mode), plus
        the replicate and, for an embedded model, its weights' hash and engine version: what
        the cache key is made of."""
        sent = (structured.messages_for(mode, messages, json_schema)
                if json_schema is not None and mode is not None else messages)
        request = {"model": spec.model, "api_base": spec.api_base, "messages": sent,
                   "max_tokens": max_tokens, "temperature": temperature, "schema": json_schema,
                   "structured_output": mode, "replicate": replicate, "seed": seed}
        if providers.provider_of(spec.model) == "local":
            request["engine"] = local_models.identity(spec.model.removeprefix("local/"))
        return request

    async def complete(self, spec: ModelSpec, messages: list[dict[str, str]], *,
                       max_tokens: int, temperature: float,
                       json_schema: dict[str, Any] | None = None, replicate: int = 0,
                       seed: int = 0) -> CallResult:
        """One model call, cached, budgeted, bounded and retried. Never raises for provider
        errors (see CallResult.error); raises BudgetExceeded or a replay-only SelforgError."""
        mode = self.mode_of(spec) if json_schema is not None else None
        hit = self._lookup(spec, messages, max_tokens, temperature, json_schema, mode,
                           replicate, seed)
        if hit is not None:
            self.stats.cache_hits += 1
            return hit
        if self.cfg.cache.replay_only:
            raise SelforgError(f"cache miss for a call to {spec.name} in replay-only mode",
                               "set cache.replay_only: false to allow new model calls")
        prices = self.prices(spec)
        chars = sum(len(m["content"]) for m in messages)
        if json_schema is not None:
            # room for the schema the prompt mode adds to the messages
            chars += len(structured.PROMPT_INSTRUCTION) + len(json.dumps(json_schema))
        reservation = await self.budget.reserve(
            prices.cost(chars + 16 * len(messages), max_tokens), spec.name)
        semaphore = self._semaphores.setdefault(spec.name,
                                                asyncio.Semaphore(spec.max_concurrency))
        paid = False
        try:
            async with semaphore:
                latest = self.mode_of(spec) if json_schema is not None else None
                if latest != mode:
                    # The model fell back while this call waited for its slot: send with the
                    # mode it settled on (unless a finished call already answered that).
                    mode = latest
                    hit = self._lookup(spec, messages, max_tokens, temperature, json_schema,
                                       mode, replicate, seed)
                    if hit is not None:
                        self.stats.cache_hits += 1
                        return hit
                result, key = await self._send(spec, messages, max_tokens, temperature,
                                               json_schema, mode, replicate, seed, prices)
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

    def _lookup(self, spec: ModelSpec, messages: list[dict[str, str]], max_tokens: int,
                temperature: float, json_schema: dict[str, Any] | None, mode: str | None,
                replicate: int, seed: int) -> CallResult | None:
        """The cached answer under the current mode's key; under `auto` also under the
        stronger modes' keys, which calls answered before the model fell back were stored
        with (so a replay of such a run is answered as the run was)."""
        modes: list[str | None] = [mode]
        if mode is not None and structured.falls_back(spec):
            modes += reversed(structured.CHAIN[:structured.CHAIN.index(mode)])
        for m in modes:
            hit = self.cache.get(call_key(self._request(spec, messages, max_tokens, temperature,
                                                        json_schema, m, replicate, seed)))
            if hit is not None:
                return CallResult(hit.text, hit.prompt_tokens, hit.completion_tokens,
                                  hit.cost_usd, hit.latency_s, cached=True, structured_output=m)
        return None

    async def _send(self, spec: ModelSpec, messages: list[dict[str, str]], max_tokens: int,
                    temperature: float, json_schema: dict[str, Any] | None, mode: str | None,
                    replicate: int, seed: int, prices: Prices) -> tuple[CallResult, str]:
        """Send the call, moving down the structured-output chain while the server refuses a
        mode (under `auto`); the result and the cache key of the request that produced it."""
        refused: list[str] = []
        while True:
            request = self._request(spec, messages, max_tokens, temperature, json_schema, mode,
                                    replicate, seed)
            fmt = (structured.response_format(mode, json_schema)
                   if json_schema is not None and mode is not None else None)
            sent = await self._call_with_retries(spec, request["messages"], max_tokens,
                                                 temperature, fmt, seed, prices)
            result = dataclasses.replace(sent.result, structured_output=mode)
            weaker = self._weaker(spec, mode)
            if sent.refused and weaker is not None:
                refused.append(f"{mode} ({' '.join((result.error or '').split())[:240]})")
                mode = weaker
                continue
            if sent.refused:
                fix = ("set models[].structured_output: auto, or a weaker mode (json_object, "
                       "prompt)" if spec.structured_output != "auto" else "")
                result = dataclasses.replace(
                    result, error=f"the server of {spec.name} refused structured_output {mode}: "
                                  f"{result.error}{'; ' + fix if fix else ''}")
            elif result.error is not None and refused:
                result = dataclasses.replace(
                    result, error=f"{result.error} (also refused: {'; '.join(refused)})")
            elif result.error is None and mode is not None:
                self._learn(spec, mode, weaker, refused, result.text or "")
            return result, call_key(request)

    @staticmethod
    def _weaker(spec: ModelSpec, mode: str | None) -> str | None:
        if mode is None or not structured.falls_back(spec):
            return None
        rest = structured.chain_from(mode)[1:]
        return rest[0] if rest else None

    def _learn(self, spec: ModelSpec, mode: str, weaker: str | None, refused: list[str],
               text: str) -> None:
        """What an answered `auto` call teaches about its server: the mode it answered after
        refusing stronger ones, or that it ignores this mode (the reply is not a JSON object,
        so later calls use the next mode), or that this mode works. Remembered in the cache;
        a model only ever moves down the chain."""
        if not structured.falls_back(spec):
            return
        if refused:
            self._settle(spec, mode, f"auto: the server refused {refused[0]}")
        elif weaker is not None and mode != "prompt" and structured.unconstrained(text):
            self._settle(spec, weaker, f"auto: the server accepted {mode} but its reply is "
                                       f"not a JSON object: {text.strip()[:80]!r}")
        elif _where(spec) not in self._modes:
            self._settle(spec, mode, f"auto: the server answered {mode} with a JSON object")

    def _settle(self, spec: ModelSpec, mode: str, reason: str) -> None:
        """Remember `mode` for this model (in memory and in the cache file) if it is weaker
        than the current one, or confirms the current one when none is remembered yet; a move
        down the chain is announced and counted in the stats."""
        where = _where(spec)
        current = self.mode_of(spec)
        known = where in self._modes
        weaker = structured.CHAIN.index(mode) > structured.CHAIN.index(current)
        if known and not weaker:
            return
        if not known and structured.CHAIN.index(mode) < structured.CHAIN.index(current):
            return
        self._modes[where] = (mode, reason)
        self.cache.set_mode(spec.model, where[1], mode, reason)
        if weaker:
            line = (f"structured output: {spec.name} falls back from {current} to {mode} "
                    f"({reason}); later calls use {mode} (remembered in {self.cache.path})")
            self.stats.fallbacks.append(line)
            print(line, flush=True)

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

    def _limiter(self, spec: ModelSpec) -> RateLimiter | None:
        """The model's rate limits: its rpm/tpm buckets and its provider's headers (none for
        selforg's own in-process providers)."""
        if providers.provider_of(spec.model) in providers.FREE_PROVIDERS:
            return None
        if spec.name not in self._limiters:
            self._limiters[spec.name] = RateLimiter(spec.rpm, spec.tpm)
        return self._limiters[spec.name]

    async def _call_with_retries(self, spec: ModelSpec, messages: list[dict[str, str]],
                                 max_tokens: int, temperature: float,
                                 fmt: dict[str, Any] | None, seed: int,
                                 prices: Prices) -> _Sent:
        retry = self.cfg.retry
        limiter = self._limiter(spec)
        tokens = request_tokens(messages, max_tokens) if limiter is not None else 0
        last_error, last_exc = "", None
        for attempt in range(retry.attempts):
            if limiter is not None:
                await limiter.acquire(tokens)
            started = time.perf_counter()
            try:
                try:
                    response = await self._acompletion(spec, messages, max_tokens,
                                                       temperature, fmt, seed)
                finally:
                    if limiter is not None:
                        limiter.settled()
            except Exception as exc:
                last_error = self._scrub(f"{type(exc).__name__}: {exc}")[:500]
                last_exc = exc
                if fmt is not None and structured.rejected(exc):
                    return _Sent(CallResult(None, error=last_error), refused=True)
                retry_after = _retry_after(exc)
                if limiter is not None:
                    limiter.observe(_headers(exc))
                    if retry_after is not None and getattr(exc, "status_code", None) == 429:
                        limiter.pause(retry_after)
                if not _retryable(exc) or attempt == retry.attempts - 1:
                    break
                self.stats.retries += 1
                self.stats.timeouts += _timed_out(exc)
                backoff = min(retry.max_delay_s, retry.base_delay_s * 2**attempt)
                delay = retry_after or backoff * (0.5 + random.random() / 2)
                await asyncio.sleep(min(delay, retry.max_delay_s))
                continue
            latency = time.perf_counter() - started
            if limiter is not None:
                limiter.observe(_headers(response))
            text = response.choices[0].message.content or ""
            usage = getattr(response, "usage", None)
            p_tok = int(getattr(usage, "prompt_tokens", 0) or 0)
            c_tok = int(getattr(usage, "completion_tokens", 0) or 0)
            return _Sent(CallResult(text, p_tok, c_tok, prices.cost(p_tok, c_tok), latency))
        return _Sent(CallResult(None, error=f"failed after {attempt + 1} attempt(s): "
                                            f"{_where_failed(spec, last_exc)}{last_error}"))

    async def _acompletion(self, spec: ModelSpec, messages: list[dict[str, str]],
                           max_tokens: int, temperature: float, fmt: dict[str, Any] | None,
                           seed: int) -> Any:
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
        if fmt is not None:
            kwargs["response_format"] = fmt
        # litellm enforces timeout_s itself; this outer bound only catches a call that hangs
        # anyway, with room for litellm's slow first call in a process. asyncio.timeout rather
        # than wait_for: it bounds the call in this task instead of wrapping it in another one.
        async with asyncio.timeout(spec.timeout_s + 30):
            return await litellm.acompletion(**kwargs)


def _where(spec: ModelSpec) -> tuple[str, str]:
    """What a structured-output mode is remembered under: the model string and its server."""
    return spec.model, spec.api_base or ""


def _where_failed(spec: ModelSpec, exc: BaseException | None) -> str:
    """The model and server a failure happened at, and what to do, when the error is about
    reaching it (connection refused, timed out)."""
    import litellm

    url = spec.api_base or "its provider's endpoint"
    if exc is not None and _timed_out(exc):
        return (f"model {spec.name!r} at {url} did not answer within timeout_s = "
                f"{spec.timeout_s:g} s (a slow self-hosted server needs a larger "
                "models[].timeout_s): ")
    if isinstance(exc, litellm.APIConnectionError) or _connection_refused(exc):
        return f"cannot connect to model {spec.name!r} at {url} (is the server running?): "
    return f"model {spec.name!r}: "


def _connection_refused(exc: BaseException | None) -> bool:
    """Whether the failure was not reaching the server at all. litellm reports a refused
    connection as an InternalServerError (status 500), so look down the exception chain."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, (ConnectionError, OSError)) and not isinstance(exc, TimeoutError):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False
