"""Adding a protocol to a finished study pays for the new runs only.

    .venv/bin/python bench/incremental.py [--tasks 4] [--n 4] [--add broadcast]

Runs a small study (single, sequential and coordinator at N = `--n`, `--tasks` tasks, two
judge samples) end to end against a local stub server (`selforg.llm.stub_server`, reached
through litellm's `openai/NAME` + api_base path like a hosted provider), with agents and
judges both served by it, so the server counts every paid call. The model strings name
models litellm knows to take a JSON schema (gpt-4o-mini, gpt-4o), so requests carry one and
the stub's scripted replies are well-formed turns, plans and judgments. Then adds `--add` to
study.protocols and re-runs run_protocol and judge on the same root and cache. Every earlier
call must replay from the cache: the server's requests during the second run must equal the
new runs' calls, that is the agent calls of the added protocol's runs (runs.n_calls) plus
their judge calls (one per judgment: the stub's replies always parse). Exits 1 if not.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from _common import load, machine, scripted_study, write_params

from selforg.llm.stub_server import StubServer
from selforg.tables import read_table
from stages.aggregate import aggregate
from stages.generate_tasks import generate_tasks
from stages.judge import judge
from stages.run_protocol import run_protocol

BASE_PROTOCOLS = ["single", "sequential", "coordinator"]


def params(root: Path, api_base: str, protocols: list[str], n: int, tasks: int) -> Path:
    free = {"input_per_mtok": 0, "output_per_mtok": 0}
    study = scripted_study(
        root / "cache",
        tasks={"per_level": max(1, tasks // 4), "levels": ["L1", "L2", "L3", "L4"]},
        models=[{"name": "served", "model": "openai/gpt-4o-mini", "api_base": api_base,
                 "max_concurrency": 8, "price": free},
                {"name": "served-judge", "model": "openai/gpt-4o", "api_base": api_base,
                 "max_concurrency": 8, "price": free}],
        study={"models": ["served"], "protocols": protocols, "n_agents": [n]},
        judges={"models": ["served-judge"], "samples": 2})
    return write_params(root / "params.yaml", study)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=4, help="tasks, a multiple of 4 (default 4)")
    parser.add_argument("--n", type=int, default=4, help="agents per run (default 4)")
    parser.add_argument("--add", default="broadcast", help="protocol to add (default broadcast)")
    args = parser.parse_args()
    if args.add in BASE_PROTOCOLS:
        raise SystemExit(f"--add must be a protocol outside {BASE_PROTOCOLS}")
    print(machine())
    with StubServer() as server, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = params(root, server.api_base, BASE_PROTOCOLS, args.n, args.tasks)
        started = time.perf_counter()
        for stage in (generate_tasks, run_protocol, judge, aggregate):
            stage(path, root)
        first = server.state.requests
        print(f"first study: {first} server requests in {time.perf_counter() - started:.1f} s "
              f"({load()})")

        path = params(root, server.api_base, [*BASE_PROTOCOLS, args.add], args.n, args.tasks)
        started = time.perf_counter()
        run_protocol(path, root)
        judge(path, root)
        second = server.state.requests - first
        runs = read_table("runs", root / "data" / "runs.parquet")
        turns = read_table("turns", root / "data" / "turns.parquet")
        judgments = read_table("judgments", root / "data" / "judgments.parquet")
        new_runs = runs[runs["protocol"] == args.add]
        new_ids = set(new_runs["run_id"])
        agent_calls = int(new_runs["n_calls"].sum())
        judge_calls = int(judgments["run_id"].isin(new_ids).sum())
        new_turns = turns[turns["run_id"].isin(new_ids)]
        uncached = (int((~new_turns["cached"]).sum()), int((~judgments["cached"]).sum()))
        print(f"second run (+{args.add}): {second} server requests in "
              f"{time.perf_counter() - started:.1f} s ({load()})")
        print(f"new runs: {len(new_runs)}; their agent calls {agent_calls} + judge calls "
              f"{judge_calls} = {agent_calls + judge_calls}")
        print(f"cross-check from the tables: uncached turns of the new runs {uncached[0]}, "
              f"uncached judgments {uncached[1]}")
    if second != agent_calls + judge_calls:
        print(f"FAILED: the second run made {second} requests, expected "
              f"{agent_calls + judge_calls}")
        sys.exit(1)
    print("ok: the second run paid for the new runs only")


if __name__ == "__main__":
    main()
