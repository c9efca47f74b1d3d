"""A local OpenAI-compatible chat server for tests, benchmarks and fault injection.

It speaks just enough of `POST /v1/chat/completions` for litellm's `openai/NAME` + `api_base`
path, the same path a hosted provider or a vLLM server takes. Replies come from a script
(default: selforg.llm.scripted.instant). It can answer after a fixed delay, refuse more than
`limit` concurrent requests with 429, and inject faults at set rates: 429 with Retry-After,
500, a hang past the client's timeout, a truncated body, a non-JSON body; and an HTTP 500 for
every request a predicate picks (`Faults.error_when`), for deterministic failures. It counts
every request and every fault, and records the Authorization headers it saw (so tests can
check a key was sent and never stored). It binds to 127.0.0.1 only.

Like a provider, it can enforce requests and tokens per minute (`rpm`, `tpm`: token buckets
holding one second of the rate, a per-minute limit enforced per second; a request's tokens
counted as prompt characters / 4 plus its max_tokens, selforg.llm.ratelimit), answering
over-limit requests 429 with Retry-After and every response with `x-ratelimit-*` headers
(unless `rate_headers=False`: a provider that enforces limits silently). And like the servers
selforg meets, it can treat each `response_format` type its own way (`formats`): honour it
(the script sees it), ignore it (the script does not: the reply is unconstrained text) or
refuse it with an HTTP status.

It can also run as its own process (so its threads do not share the client's interpreter
lock), for benchmarks: `python -m selforg.llm.stub_server --delay-s 0.2 --limit 16` prints
its api_base and serves until killed; `GET <api_base>/stats` returns its counters as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from selforg.llm.ratelimit import PROVIDER_BURST_S, Bucket, request_tokens
from selforg.llm.scripted import Script, instant

# How the stub treats one response_format type: honour it, ignore it, or refuse with a status.
FormatRule = str | int


@dataclass
class Faults:
    """Probabilities per request of each injected fault (independent draws, in this order)."""

    rate_limit: float = 0.0
    server_error: float = 0.0
    hang: float = 0.0
    truncated: float = 0.0
    not_json: float = 0.0
    retry_after_s: float = 0.05
    hang_s: float = 5.0
    # Requests this picks are answered HTTP 500, every time (not drawn at random).
    error_when: Callable[[dict[str, Any]], bool] | None = None


@dataclass
class StubState:
    script: Script = instant
    delay_s: float = 0.0
    limit: int | None = None
    faults: Faults = field(default_factory=Faults)
    seed: int = 0
    rpm: int | None = None
    tpm: int | None = None
    formats: dict[str, FormatRule] = field(default_factory=dict)
    # send x-ratelimit-* headers (a provider that enforces limits silently does not)
    rate_headers: bool = True
    requests: int = 0
    answered: int = 0
    tokens_admitted: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    events: Counter[str] = field(default_factory=Counter)
    auth_headers: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    rng: random.Random = field(init=False)
    request_bucket: Bucket | None = field(init=False)
    token_bucket: Bucket | None = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.request_bucket = (Bucket(self.rpm, time.monotonic, PROVIDER_BURST_S)
                               if self.rpm else None)
        self.token_bucket = (Bucket(self.tpm, time.monotonic, PROVIDER_BURST_S)
                             if self.tpm else None)

    def admit(self, tokens: int) -> tuple[float | None, dict[str, str]]:
        """Charge one request of `tokens` to the rate limits (caller holds the lock): the
        seconds to wait if it is over a limit (None if admitted), and the x-ratelimit headers
        to answer with."""
        buckets = [(k, b, n) for k, b, n in (("requests", self.request_bucket, 1),
                                             ("tokens", self.token_bucket, tokens)) if b]
        waits = [b.wait(n) for _, b, n in buckets]
        over = max(waits, default=0.0)
        if over <= 0:
            for _, bucket, n in buckets:
                bucket.take(n)
            self.tokens_admitted += tokens
        headers: dict[str, str] = {}
        for kind, bucket, _ in buckets if self.rate_headers else []:
            headers[f"x-ratelimit-limit-{kind}"] = str(round(bucket.rate * 60))
            headers[f"x-ratelimit-remaining-{kind}"] = str(max(0, int(bucket.level)))
            refill_s = max(0.0, 1 - bucket.level) / bucket.rate
            headers[f"x-ratelimit-reset-{kind}"] = f"{refill_s:.3f}s"
        return (over if over > 0 else None), headers


def _completion(text: str, model: str, messages: list[dict[str, str]]) -> dict[str, Any]:
    prompt = max(1, sum(len(m.get("content") or "") for m in messages) // 4)
    completion = max(1, len(text) // 4)
    return {
        "id": "chatcmpl-stub", "object": "chat.completion", "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": text}}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                  "total_tokens": prompt + completion},
    }


def _handler(state: StubState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as hosted providers allow: under HTTP/1.0 every request would cost the
        # client a new TCP connection, which real providers never charge.
        protocol_version = "HTTP/1.1"
        # Headers and body go out as two writes; with Nagle's algorithm the second waits for
        # the client's delayed ACK (about 40 ms a response on Linux).
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            """Silence per-request logging."""

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                state.events["client_gone"] += 1

        def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
            body = json.dumps({"error": {"message": message, "type": "stub"}}).encode()
            self._send(status, body, headers)

        def do_GET(self) -> None:
            """`GET /v1/stats`: the counters, for a client in another process."""
            if self.path.rstrip("/") != "/v1/stats":
                self._error(404, f"no such path {self.path}")
                return
            with state.lock:
                stats = {"requests": state.requests, "answered": state.answered,
                         "in_flight": state.in_flight, "max_in_flight": state.max_in_flight,
                         "tokens_admitted": state.tokens_admitted,
                         "events": dict(state.events)}
            self._send(200, json.dumps(stats).encode())

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            f = state.faults
            tokens = request_tokens(request.get("messages", []),
                                    int(request.get("max_tokens") or 0))
            with state.lock:
                state.requests += 1
                state.auth_headers.append(self.headers.get("Authorization") or "")
                draws = [state.rng.random() for _ in range(5)]
                over = state.limit is not None and state.in_flight >= state.limit
                wait, limits = (None, {}) if over else state.admit(tokens)
                if not over and wait is None:
                    state.in_flight += 1
                    state.max_in_flight = max(state.max_in_flight, state.in_flight)
            if over:
                state.events["over_limit"] += 1
                self._error(429, "concurrency limit", {"Retry-After": str(f.retry_after_s)})
                return
            if wait is not None:
                state.events["over_rate"] += 1
                self._error(429, "rate limit reached", {**limits, "Retry-After": f"{wait:.3f}"})
                return
            try:
                self._answer(request, draws, limits)
            finally:
                with state.lock:
                    state.in_flight -= 1

        def _refuse_format(self, request: dict[str, Any]) -> bool:
            """Apply `formats` to the request's response_format; True if it was refused."""
            kind = (request.get("response_format") or {}).get("type")
            rule = state.formats.get(kind, "honour") if kind else "honour"
            if isinstance(rule, int):
                state.events[f"refused_{kind}"] += 1
                self._error(rule, f"response_format: type {kind!r} is not supported")
                return True
            if rule == "ignore":
                state.events[f"ignored_{kind}"] += 1
                request.pop("response_format")
            return False

        def _answer(self, request: dict[str, Any], draws: list[float],
                    limits: dict[str, str]) -> None:
            f = state.faults
            if f.error_when is not None and f.error_when(request):
                state.events["error_when"] += 1
                self._error(500, "injected failure")
                return
            if self._refuse_format(request):
                return
            if draws[0] < f.rate_limit:
                state.events["rate_limit"] += 1
                self._error(429, "rate limited", {"Retry-After": str(f.retry_after_s)})
                return
            if draws[1] < f.server_error:
                state.events["server_error"] += 1
                self._error(500, "internal error")
                return
            if draws[2] < f.hang:
                state.events["hang"] += 1
                time.sleep(f.hang_s)
                self._error(504, "gateway timeout")
                return
            time.sleep(state.delay_s)
            messages = request.get("messages", [])
            params = {k: v for k, v in request.items() if k != "messages"}
            text = state.script(messages, params)
            body = json.dumps(_completion(text, request.get("model", "stub"), messages)).encode()
            if draws[3] < f.truncated:
                state.events["truncated"] += 1
                self._send(200, body[: len(body) // 2])
                return
            if draws[4] < f.not_json:
                state.events["not_json"] += 1
                self._send(200, b"<html>upstream error</html>")
                return
            with state.lock:
                state.answered += 1
            self._send(200, body, limits)

    return Handler


class StubServer:
    """Context manager: `with StubServer(...) as s:` then use `s.api_base`."""

    def __init__(self, script: Script = instant, delay_s: float = 0.0, limit: int | None = None,
                 faults: Faults | None = None, seed: int = 0, rpm: int | None = None,
                 tpm: int | None = None, formats: dict[str, FormatRule] | None = None,
                 rate_headers: bool = True) -> None:
        self.state = StubState(script=script, delay_s=delay_s, limit=limit,
                               faults=faults or Faults(), seed=seed, rpm=rpm, tpm=tpm,
                               formats=dict(formats or {}), rate_headers=rate_headers)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def api_base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> StubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()



def main() -> None:
    """Serve in this process until killed; the first line on stdout is the api_base."""
    parser = argparse.ArgumentParser(description="A local OpenAI-compatible stub server.")
    parser.add_argument("--delay-s", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--limit", type=int, help="most requests in flight; more get 429")
    parser.add_argument("--retry-after-s", type=float, default=0.05,
                        help="Retry-After of a 429 (default 0.05)")
    parser.add_argument("--rpm", type=int, help="requests per minute; more get 429")
    parser.add_argument("--tpm", type=int, help="tokens per minute (prompt chars / 4 + "
                                                "max_tokens per request); more get 429")
    args = parser.parse_args()
    with StubServer(delay_s=args.delay_s, limit=args.limit, rpm=args.rpm, tpm=args.tpm,
                    faults=Faults(retry_after_s=args.retry_after_s)) as server:
        print(server.api_base, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
