"""Prompt tokens llama.cpp evaluates per call, under three prefix policies, on a real study.

    .venv/bin/python bench/prompt_eval.py [--study default|smoke64] [--protocol NAME ...]

Runs the real stages generate_tasks and run_protocol of a study on the embedded model (the
agents' calls: where prompts share long prefixes), once per policy, each in its own process
with a fresh call cache, and prints per policy: calls, prompt tokens sent per call, prompt
tokens evaluated per call, saved-state restores, wall time of the stages, and the process's
peak RSS. (`make study` prints the same counts for the shipped policy after run_protocol and
after judge.)

- none: every prompt evaluated from its first token (what a cacheless server does);
- context: only the longest prefix shared with what the context holds is skipped;
- context + states: selforg's engine as shipped: the context, plus saved KV states of recent
  prompt families (selforg/llm/prefix_cache.py).

`--study default` is params.yaml (the README's study); `--study smoke64` is params/smoke.yaml at
N = 64 (the protocols given, sequential and broadcast by default). The last line says whether
the three policies produced the same turns, text for text: prefix reuse must not change an
answer (docs/performance.md).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import yaml
from _common import load, machine, markdown_header, markdown_row, peak_rss_mb, write_params

REPO = Path(__file__).resolve().parents[1]
POLICIES = {"none": {"reuse_prefixes": False},
            "context": {"prefix_cache_bytes": 0},
            "context + states": {}}
COLUMNS = ["policy", "calls", "prompt tokens / call", "evaluated / call", "evaluated share",
           "restores", "wall s", "peak RSS MB", "load (1 min)"]


def study_params(study: str, protocols: list[str] | None, cache: Path) -> dict[str, Any]:
    if study == "default":
        params = yaml.safe_load((REPO / "params.yaml").read_text())
    else:
        params = yaml.safe_load((REPO / "params" / "smoke.yaml").read_text())
        params["study"]["n_agents"] = [64]
        params["study"]["protocols"] = ["sequential", "broadcast"]
    if protocols:
        params["study"]["protocols"] = protocols
    params["cache"] = {"dir": str(cache)}
    return params


def child(policy: str, root: Path) -> None:
    """One policy's run, in this process: the stages, then the engine's counters as JSON."""
    sys.path.insert(0, str(REPO))
    import selforg.llm.local as local
    from stages.generate_tasks import generate_tasks
    from stages.run_protocol import run_protocol

    local.Engine = functools.partial(local.Engine, **POLICIES[policy])  # type: ignore[misc]
    params = root / "params.yaml"
    started = time.perf_counter()
    generate_tasks(params, root)
    run_protocol(params, root)
    wall = time.perf_counter() - started
    stats = local.engine_stats()
    digest = hashlib.sha256()
    for row in duckdb.connect().execute(
            f"select run_id, round, agent, contribution, prompt_tokens, completion_tokens "
            f"from read_parquet('{root / 'data' / 'turns.parquet'}') "
            f"order by run_id, round, agent").fetchall():
        digest.update(repr(row).encode())
    print(json.dumps({"stats": vars(stats), "wall": wall, "rss": peak_rss_mb(),
                      "answers": digest.hexdigest()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--study", choices=["default", "smoke64"], default="default")
    parser.add_argument("--protocol", nargs="+", help="only these protocols")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.root)
        return
    print(f"{machine()}; study {args.study}; {load()}\n")
    print(markdown_header(COLUMNS), flush=True)
    answers = set()
    for policy in POLICIES:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            write_params(root / "params.yaml",
                         study_params(args.study, args.protocol, root / "cache"))
            (root / "data").mkdir()
            out = subprocess.run([sys.executable, __file__, "--child", policy, "--root",
                                  str(root)], capture_output=True, text=True, cwd=REPO)
            if out.returncode != 0:
                raise SystemExit(f"{policy}: exit {out.returncode}\n{out.stderr[-3000:]}")
            result = json.loads(out.stdout.strip().splitlines()[-1])
        totals = result["stats"]
        calls = totals["calls"]
        answers.add(result["answers"])
        print(markdown_row([policy, calls, round(totals["prompt_tokens"] / calls),
                            round(totals["evaluated_tokens"] / calls),
                            f"{totals['evaluated_tokens'] / totals['prompt_tokens']:.0%}",
                            totals["restores"], round(result["wall"]),
                            round(result["rss"]), load().split()[1]]), flush=True)
    print(f"\nturns identical under every policy: "
          f"{'yes' if len(answers) == 1 else 'NO'}")


if __name__ == "__main__":
    main()
