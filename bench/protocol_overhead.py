"""Protocol orchestration overhead: every protocol at N agents against an instant model.

    .venv/bin/python bench/protocol_overhead.py [--n 256] [--repeat 3] [--protocol NAME ...]

Each protocol runs in its own subprocess (so peak RSS is its own) through the real path: the
gateway (cache key, SQLite cache in a temporary directory, budget, concurrency), litellm's
`acompletion` and the `scripted/instant` model, which answers at once. The model costs
nothing, so the wall time per call is what selforg and litellm spend around each call (the
median of `--repeat` runs, each with a fresh cache, after a warm-up run). More figures say
where it goes: `litellm ms/call` times bare `litellm.acompletion` calls to the same model, 16
at a time like a run's waves (the floor selforg cannot go below while it calls through
litellm); `selforg ms/call` is ms/call minus that floor, what selforg adds, against the 2 ms
target of issue 3 (the last line says whether every protocol met it); `gateway ms/call` times
the same calls made through `Gateway.complete` (litellm plus the cache key, SQLite cache and
budget); and `protocol ms/call` replays the protocol against an in-memory stand-in for the
gateway (the protocol, Team, view fitting and parsing alone).
Memory: peak RSS of the subprocess (getrusage) and the tracemalloc peak of one run (a separate,
traced run, because tracing slows Python down). Prints a Markdown table (docs/performance.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import yaml

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from selforg.config import StudyConfig, load_config
from selforg.llm.cache import CallCache
from selforg.llm.gateway import CallResult, Gateway
from selforg.llm.scripted import instant, register_script
from selforg.protocols import registry
from selforg.protocols.base import RunSpec, TaskView
from selforg.runner import run_one

TASK = TaskView("L3-000-bench", "Plan the migration of a hospital's patient records to a new "
                "system across IT, legal compliance and clinical operations, in 12 steps.")
WARMUP = TaskView("L1-000-warmup", "Draft a backup policy for the billing database.")
FLOOR_CALLS = 320
FLOOR_CONCURRENCY = 16  # the model's max_concurrency below
COLUMNS = ("protocol", "N", "calls", "wall s", "ms/call", "litellm ms/call", "selforg ms/call",
           "gateway ms/call", "protocol ms/call", "peak RSS MB", "tracemalloc peak MB")
TARGET_MS = 2.0  # issue 3: orchestration overhead per agent call on 2 cores
FLOOR_MESSAGES = [{"role": "system", "content": "You are agent 1 in a team of 256 AI agents."},
                  {"role": "user", "content": f"TASK:\n{TASK.prompt}"}]


def config(directory: Path) -> StudyConfig:
    params = {
        "models": [{"name": "bench", "model": "scripted/bench", "max_concurrency": 16},
                   {"name": "bench-judge", "model": "scripted/bench-judge"}],
        "study": {"models": ["bench"], "protocols": ["sequential"], "n_agents": [4]},
        "judges": {"models": ["bench-judge"]},
        "budget": {"max_usd": 1.0, "max_calls": 1_000_000},
        "cache": {"dir": str(directory / "cache")},
        "retry": {"attempts": 1, "base_delay_s": 0.0, "max_delay_s": 0.0},
    }
    path = directory / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    return load_config(path)


class InMemoryGateway:
    """Answers like the gateway would, with none of its work: isolates the protocol's cost."""

    async def complete(self, spec: Any, messages: list[dict[str, str]], *, max_tokens: int,
                       temperature: float, json_schema: dict[str, Any] | None = None,
                       replicate: int = 0, seed: int = 0) -> CallResult:
        params = {"max_tokens": max_tokens,
                  "response_format": {"schema": json_schema} if json_schema else None}
        text = instant(messages, params)
        return CallResult(text, prompt_tokens=len(str(messages)) // 4 + 1,
                          completion_tokens=len(text) // 4 + 1)


def play(cfg: StudyConfig, name: str, n: int, task: TaskView, gateway: Any) -> tuple[float, int]:
    spec = RunSpec(task, name, cfg.models[0], n, 0, cfg.study.assembly)
    started = time.perf_counter()
    outcome = asyncio.run(run_one(spec, gateway, cfg))
    wall = time.perf_counter() - started
    if outcome.run["status"] != "ok":
        raise SystemExit(f"{name} at N = {n} failed: {outcome.run['error']}")
    return wall, sum(1 for t in outcome.turns if t["prompt_tokens"] > 0)


def litellm_floor(cfg: StudyConfig) -> float:
    """Milliseconds per bare litellm.acompletion call to the scripted model, set up in litellm
    as the gateway sets it up (registered, declared free)."""
    from selforg.llm.providers import declare_free, ensure_registered, import_litellm

    ensure_registered()
    declare_free(cfg.models[0].model)
    litellm = import_litellm()

    async def calls() -> None:
        for start in range(0, FLOOR_CALLS, FLOOR_CONCURRENCY):
            await asyncio.gather(*(
                litellm.acompletion(model=cfg.models[0].model, messages=FLOOR_MESSAGES,
                                    max_tokens=192, temperature=0.7, seed=i, num_retries=0,
                                    drop_params=True)
                for i in range(start, start + FLOOR_CONCURRENCY)))

    started = time.perf_counter()
    asyncio.run(calls())
    return (time.perf_counter() - started) / FLOOR_CALLS * 1000


def gateway_floor(cfg: StudyConfig, directory: Path) -> float:
    """Milliseconds per call for the same calls through Gateway.complete (fresh cache)."""
    gateway = Gateway(cfg, CallCache(directory))

    async def calls() -> None:
        for start in range(0, FLOOR_CALLS, FLOOR_CONCURRENCY):
            await asyncio.gather(*(
                gateway.complete(cfg.models[0], FLOOR_MESSAGES, max_tokens=192,
                                 temperature=0.7, seed=i)
                for i in range(start, start + FLOOR_CONCURRENCY)))

    started = time.perf_counter()
    asyncio.run(calls())
    return (time.perf_counter() - started) / FLOOR_CALLS * 1000


def measure(name: str, n: int, repeat: int) -> dict[str, Any]:
    """One protocol, in this process: warm up, time, isolate, then trace memory."""
    register_script("bench", instant)
    register_script("bench-judge", instant)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cfg = config(root)
        play(cfg, name, min(n, 2), WARMUP, Gateway(cfg, CallCache(root / "warm")))
        play(cfg, name, min(n, 2), WARMUP, InMemoryGateway())
        timed = [play(cfg, name, n, TASK, Gateway(cfg, CallCache(root / f"timed{i}")))
                 for i in range(repeat)]
        wall, calls = statistics.median(w for w, _ in timed), timed[0][1]
        floor = statistics.median(litellm_floor(cfg) for _ in range(repeat))
        through_gateway = statistics.median(gateway_floor(cfg, root / f"gateway{i}")
                                            for i in range(repeat))
        isolated = [play(cfg, name, n, TASK, InMemoryGateway()) for _ in range(repeat)]
        bare, bare_calls = statistics.median(w for w, _ in isolated), isolated[0][1]
        tracemalloc.start()
        play(cfg, name, n, TASK, Gateway(cfg, CallCache(root / "traced")))
        traced_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return {
        "protocol": name, "N": n, "calls": calls, "wall s": round(wall, 2),
        "ms/call": round(wall / calls * 1000, 2), "litellm ms/call": round(floor, 2),
        "selforg ms/call": round(wall / calls * 1000 - floor, 2),
        "gateway ms/call": round(through_gateway, 2),
        "protocol ms/call": round(bare / bare_calls * 1000, 3),
        "peak RSS MB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "tracemalloc peak MB": round(traced_peak / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=256, help="agents per run (default 256)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per protocol; the "
                        "median counts (default 3)")
    parser.add_argument("--protocol", action="append", help="protocol(s) to measure; "
                        "default: every registered protocol")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure(args.worker, args.n, args.repeat)))
        return
    names = args.protocol or registry.names()
    print(f"{platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, {platform.machine()}\n")
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "|".join("---" for _ in COLUMNS) + "|")
    selforg = []
    for name in names:
        n = registry.get(name).agent_counts([args.n])[0]
        done = subprocess.run([sys.executable, __file__, "--worker", name, "--n", str(n),
                               "--repeat", str(args.repeat)],
                              check=True, capture_output=True, text=True)
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print("| " + " | ".join(str(row[c]) for c in COLUMNS) + " |", flush=True)
        if row["calls"] > 2:  # single's two calls are noise
            selforg.append(row["selforg ms/call"])
    if selforg:
        verdict = "met" if max(selforg) < TARGET_MS else "NOT met"
        print(f"\n# selforg's part per call (ms/call minus litellm's floor), runs of more than "
              f"2 calls: {min(selforg)} to {max(selforg)} ms; target < {TARGET_MS} ms: {verdict}")


if __name__ == "__main__":
    main()
