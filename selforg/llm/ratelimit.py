"""Rate limits as providers state them: requests and tokens per minute, and their headers.

A study at a provider's limits should run at the limits, not bounce off 429s and back off. So
each model with `rpm` or `tpm` in params gets token buckets that refill continuously at the
stated rate: a call waits until both buckets have room. Providers enforce a per-minute limit
over short windows (OpenAI: "60,000 requests per minute may be enforced as 1,000 per
second"), so the buckets hold a quarter of a second of the rate (at least one request; the
token bucket at least two of the largest request): the steady rate is the stated one, and
a burst stays well inside a provider's one-second allowance, leaving room for the jitter
between a call leaving the buckets and reaching the server (litellm's own work on a busy
event loop delays some calls more than others, so calls released apart can arrive together).
A request's tokens are counted as providers such as OpenAI count them when they admit it:
prompt characters / 4 plus its max_tokens.

The provider's own signals take precedence over the buckets, with or without rpm/tpm set:
- `x-ratelimit-remaining-requests` / `-tokens` of each response lower the buckets to what the
  provider says is left, and at 0 no call starts before `x-ratelimit-reset-*` (1 s if absent);
- a 429's `Retry-After` pauses every call of the model, not only the refused one, so its
  siblings do not run into the same wall.
The buckets are per process (per Gateway); several processes sharing one provider's limit
(Dask workers) meet through these headers and Retry-After.

Slow start: with rpm or tpm set, a model's calls wait until its first call of the process has
been answered (or has failed). That first call carries litellm's one-off set-up (seconds on 2
cores); calls released by the buckets meanwhile would sit behind it and reach the provider
together with the next ones, a burst over the limit that the buckets never saw.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Mapping

# Seconds of the rate a bucket holds: the client's, and the provider's (the stub server's).
BURST_S = 0.25
PROVIDER_BURST_S = 1.0
DEFAULT_RESET_S = 1.0
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def request_tokens(messages: list[dict[str, str]], max_tokens: int) -> int:
    """A request's tokens as a provider admits it: prompt characters / 4 plus max_tokens."""
    return sum(len(m.get("content") or "") for m in messages) // 4 + max_tokens


def parse_reset(value: str, now: float) -> float | None:
    """Seconds until a reset header's time: '1s', '6m0s', '250ms' (OpenAI), plain seconds, or
    a Unix time."""
    value = value.strip()
    parts = _DURATION.findall(value)
    if parts and "".join(n + u for n, u in parts) == value:
        return sum(float(n) * _UNIT_S[u] for n, u in parts)
    try:
        number = float(value)
    except ValueError:
        return None
    return max(0.0, number - now) if number > 1e9 else number


class Bucket:
    """Continuous refill at `per_minute` / 60 per second, capacity `burst_s` seconds of it.

    `fit` > 1 grows the capacity to hold that many of the largest request seen: a caller that
    sleeps until its request fits wakes a little late, and a bucket no larger than the
    request would have stopped filling meanwhile, losing that time at every request (5% of a
    token limit measured, when one request was a quarter second of it).
    """

    def __init__(self, per_minute: int, clock: Callable[[], float],
                 burst_s: float = BURST_S, fit: int = 1) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate * burst_s)
        self.fit = fit
        self.level = self.capacity
        self.clock = clock
        self.updated = clock()

    def _refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self.updated) * self.rate)
        self.updated = now

    def wait(self, amount: float) -> float:
        """Seconds until `amount` fits (an amount over the capacity fits a full bucket)."""
        self.capacity = max(self.capacity, self.fit * amount) if self.fit > 1 else self.capacity
        self._refill(self.clock())
        need = min(amount, self.capacity)
        return 0.0 if self.level >= need else (need - self.level) / self.rate

    def take(self, amount: float) -> None:
        self._refill(self.clock())
        self.level -= amount

    def lower_to(self, remaining: float) -> None:
        self._refill(self.clock())
        self.level = min(self.level, remaining)


class RateLimiter:
    """One model's limits. `acquire` before each attempt, `observe` each response's headers,
    `pause` on a 429."""

    def __init__(self, rpm: int | None, tpm: int | None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.requests = Bucket(rpm, clock) if rpm else None
        self.tokens = Bucket(tpm, clock, fit=2) if tpm else None
        self.paused_until = 0.0
        self.waited_s = 0.0
        # First come, first served: one waiter at a time, so a large request is not starved
        # by small ones overtaking it.
        self._turn = asyncio.Lock()
        self._started = asyncio.Event()
        self._first_sent = False
        if self.requests is None and self.tokens is None:
            self._started.set()

    async def acquire(self, tokens: int) -> None:
        if not self._started.is_set():
            if self._first_sent:
                await self._started.wait()
            else:
                self._first_sent = True
        async with self._turn:
            while True:
                wait = max(self.paused_until - self.clock(),
                           self.requests.wait(1) if self.requests else 0.0,
                           self.tokens.wait(tokens) if self.tokens else 0.0)
                if wait <= 0:
                    break
                self.waited_s += wait
                await asyncio.sleep(wait)
            if self.requests:
                self.requests.take(1)
            if self.tokens:
                self.tokens.take(tokens)

    def settled(self) -> None:
        """A call came back (answer or error): ends the slow start."""
        self._started.set()

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Follow the provider's `x-ratelimit-remaining-*` and `x-ratelimit-reset-*`."""
        now = time.time()
        for kind, bucket in (("requests", self.requests), ("tokens", self.tokens)):
            remaining = _number(headers.get(f"x-ratelimit-remaining-{kind}"))
            if remaining is None:
                continue
            if bucket is not None:
                bucket.lower_to(remaining)
            if remaining <= 0:
                reset = headers.get(f"x-ratelimit-reset-{kind}")
                seconds = parse_reset(reset, now) if reset else None
                self.pause(DEFAULT_RESET_S if seconds is None else seconds)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None
