"""Throughput against a slow, concurrency-limited provider: does selforg keep L calls in flight?

    .venv/bin/python bench/concurrency.py [--limit 16] [--delay-s 0.2] [--calls 480]
        [--tasks 8] [--n 32]

Starts `selforg.llm.stub_server` in its own process (its threads must not share the client's
interpreter lock) answering every request after `--delay-s` and refusing more than `--limit`
in flight with 429. The model is `openai/stub-model` + api_base with max_concurrency equal to
the limit, so the ideal is limit / delay calls per second. Two clients, each with a fresh
cache:

- gateway: `Gateway.complete` over `--calls` distinct prompts, all submitted at once;
- stage: the run_protocol stage on broadcast (N = `--n`, `--tasks` tasks), whose waves of
  parallel calls and run-level parallelism must keep the slots full on their own. Its wall
  time includes the stage's fixed costs (config, validation, writing the tables).

Prints achieved calls/s against the ideal, and the 429s the server sent (0 expected when
max_concurrency equals the limit). Target: at least 85% of the ideal.

    .venv/bin/python bench/concurrency.py --rate-limits [--rpm 1200] [--tpm 60000]
        [--rate-calls 600]

Rate-limit mode: the stub enforces requests and tokens per minute instead (`--rpm`, `--tpm`:
token buckets of one second of the rate, a request's tokens = prompt characters / 4 +
max_tokens; over-limit requests get 429 with Retry-After; every response carries
x-ratelimit-* headers), and the model is told the same `rpm`/`tpm`. Two runs, each with a
fresh cache and `--rate-calls` distinct calls submitted at once through one Gateway
(max_concurrency 64): one where the request limit binds (tpm set far above what the calls
use) and one where the token limit binds (rpm far above); then, for comparison, the first
again with the model not told its limits (only the stub's headers and Retry-After to go by).
Prints the throughput as a share of the binding limit and the share of requests answered 429.
Target (told): at least 95% of the limit, at most 1% 429s. The client needs about 5 ms of CPU
per call, so on a loaded machine choose limits it can reach (e.g. --rpm 300 --tpm 15000).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import load, machine, markdown_header, markdown_row, scripted_study, write_params

from selforg.config import load_config
from selforg.llm.cache import CallCache
from selforg.llm.gateway import Gateway
from selforg.tables import read_table
from stages.generate_tasks import generate_tasks
from stages.run_protocol import run_protocol

COLUMNS = ["client", "calls", "wall s", "calls/s", "ideal calls/s", "% of ideal",
           "max in flight", "429s", "load (1 min)"]
TARGET = 0.85
MODEL = "openai/gpt-4o-mini"


def stats(api_base: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{api_base}/stats") as response:
        result: dict[str, Any] = json.load(response)
    return result


def params(root: Path, api_base: str, limit: int, n: int, tasks: int, **model: int) -> Path:
    """The study on the stub; `model` adds keys to its models[] entry (rpm, tpm)."""
    served = {"name": "served", "model": MODEL, "api_base": api_base,
              "max_concurrency": limit, "timeout_s": 30.0,
              "price": {"input_per_mtok": 0, "output_per_mtok": 0}, **model}
    study = scripted_study(root / "cache",
                           tasks={"per_level": max(1, tasks // 4),
                                  "levels": ["L1", "L2", "L3", "L4"]},
                           study={"models": ["served"], "protocols": ["broadcast"],
                                  "n_agents": [n]},
                           retry={"attempts": 5, "base_delay_s": 0.05, "max_delay_s": 1.0})
    study["models"].append(served)
    return write_params(root / "params.yaml", study)


def through_gateway(params_path: Path, root: Path, calls: int,
                    warmed: Callable[[], object] = lambda: None) -> tuple[int, float]:
    """`calls` distinct one-message prompts through one Gateway, all submitted at once, after
    one warm-up call (`warmed` runs between the two, outside the timing): the calls that
    succeeded and the wall time."""
    cfg = load_config(params_path)
    gateway = Gateway(cfg, CallCache(root / "gateway-cache"))
    spec = cfg.model("served")

    async def all_calls() -> None:
        await asyncio.gather(*(
            gateway.complete(spec, [{"role": "user", "content": f"Distinct prompt {i}."}],
                             max_tokens=64, temperature=0.7)
            for i in range(calls)))

    asyncio.run(gateway.complete(spec, [{"role": "user", "content": "warm-up"}],
                                 max_tokens=8, temperature=0.0))
    warmed()
    started = time.perf_counter()
    asyncio.run(all_calls())
    wall = time.perf_counter() - started
    return calls - gateway.stats.failures, wall


def through_stage(params_path: Path, root: Path) -> tuple[int, float]:
    generate_tasks(params_path, root)
    started = time.perf_counter()
    run_protocol(params_path, root)
    wall = time.perf_counter() - started
    runs = read_table("runs", root / "data" / "runs.parquet")
    if (runs["status"] != "ok").any():
        raise SystemExit(f"stage: runs failed: {runs['error'].dropna().iloc[0]}")
    return int(runs["n_calls"].sum()), wall


RATE_COLUMNS = ["binding limit", "told rpm/tpm", "stated /min", "calls ok", "wall s",
                "achieved /min", "% of limit", "requests", "429s", "% 429", "load (1 min)"]
RATE_TARGET, RATE_429_TARGET = 0.95, 0.01


def rate_run(binding: str, limits: dict[str, int], calls: int, told: bool) -> list[object]:
    """One run of the rate-limit mode against its own stub process: its table row. `told`:
    the model is given the stub's rpm/tpm (else it has only the headers and Retry-After)."""
    server = subprocess.Popen(
        [sys.executable, "-m", "selforg.llm.stub_server", "--delay-s", "0.2",
         "--rpm", str(limits["rpm"]), "--tpm", str(limits["tpm"])],
        stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        api_base = server.stdout.readline().strip()
        before: dict[str, Any] = {}
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            path = params(root, api_base, 64, 4, 4, **(limits if told else {}))
            done, wall = through_gateway(path, root, calls,
                                         lambda: before.update(stats(api_base)))
        after = stats(api_base)
    finally:
        server.terminate()
        server.wait()
    requests = after["requests"] - before["requests"]
    refused = after["events"].get("over_rate", 0) - before["events"].get("over_rate", 0)
    counted = "answered" if binding == "requests" else "tokens_admitted"
    achieved = (after[counted] - before[counted]) / wall * 60
    stated = limits["rpm" if binding == "requests" else "tpm"]
    return [binding, "yes" if told else "no", stated, done, round(wall, 2), round(achieved),
            f"{achieved / stated:.1%}", requests, refused, f"{refused / requests:.2%}",
            load().split()[1]]


def rate_limited(rpm: int, tpm: int, calls: int) -> None:
    """Both runs of the rate-limit mode: the request limit binding, then the token limit."""
    print(f"{machine()}; stub enforcing rpm/tpm, {calls} calls per run\n")
    print(markdown_header(RATE_COLUMNS), flush=True)
    runs = [("requests", {"rpm": rpm, "tpm": 1000 * tpm}, True),
            ("tokens", {"rpm": 1000 * rpm, "tpm": tpm}, True),
            ("requests", {"rpm": rpm, "tpm": 1000 * tpm}, False)]
    for binding, limits, told in runs:
        print(markdown_row(rate_run(binding, limits, calls, told)), flush=True)
    print(f"\ntarget: >= {RATE_TARGET:.0%} of the binding limit, <= {RATE_429_TARGET:.0%} "
          "of requests answered 429")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=16,
                        help="server limit = max_concurrency (default 16)")
    parser.add_argument("--delay-s", type=float, default=0.2, help="server delay (default 0.2)")
    parser.add_argument("--calls", type=int, default=480,
                        help="gateway client: distinct prompts (default 480)")
    parser.add_argument("--tasks", type=int, default=8, help="stage client: tasks (default 8)")
    parser.add_argument("--n", type=int, default=32, help="stage client: broadcast N (default 32)")
    parser.add_argument("--rate-limits", action="store_true",
                        help="rate-limit mode: a stub enforcing --rpm and --tpm instead")
    parser.add_argument("--rpm", type=int, default=1200, help="rate-limit mode: requests "
                                                              "per minute (default 1200)")
    parser.add_argument("--tpm", type=int, default=60_000, help="rate-limit mode: tokens "
                                                                "per minute (default 60000)")
    parser.add_argument("--rate-calls", type=int, default=600,
                        help="rate-limit mode: calls per run (default 600)")
    args = parser.parse_args()
    if args.rate_limits:
        rate_limited(args.rpm, args.tpm, args.rate_calls)
        return
    ideal = args.limit / args.delay_s
    server = subprocess.Popen(
        [sys.executable, "-m", "selforg.llm.stub_server", "--delay-s", str(args.delay_s),
         "--limit", str(args.limit)], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        api_base = server.stdout.readline().strip()
        print(f"{machine()}; stub at {api_base}, delay {args.delay_s} s, limit {args.limit}\n")
        print(markdown_header(COLUMNS), flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            path = params(root, api_base, args.limit, args.n, args.tasks)
            for client in ("gateway", "stage"):
                before = stats(api_base)
                if client == "gateway":
                    calls, wall = through_gateway(path, root, args.calls)
                    if calls < args.calls:
                        raise SystemExit(f"{args.calls - calls} gateway calls failed")
                else:
                    calls, wall = through_stage(path, root)
                after = stats(api_base)
                refused = sum(after["events"].values()) - sum(before["events"].values())
                rate = calls / wall
                print(markdown_row([client, calls, round(wall, 2), round(rate, 1),
                                    round(ideal, 1), f"{rate / ideal:.0%}",
                                    after["max_in_flight"], refused, load().split()[1]]),
                      flush=True)
    finally:
        server.terminate()
        server.wait()
    print(f"\ntarget: >= {TARGET:.0%} of the ideal {ideal:.0f} calls/s; 0 429s")


if __name__ == "__main__":
    main()
