"""The whole pipeline against an instant model: stage wall times, overhead per call, memory.

    .venv/bin/python bench/pipeline_overhead.py [--tasks 4] [--n 4 16 64 256] [--protocol P ...]

For each N, a subprocess runs the four real stage functions (generate_tasks, run_protocol,
judge, aggregate) in a temporary root on the `scripted/instant` model, which answers at once,
so run_protocol's wall time per model call is what selforg and litellm spend around a call.
Each subprocess first runs the same study at N = min(N, 4) on one task per level in another
root, so imports (litellm, great-expectations) and first-call set-up are not charged to the
timed stages. Memory: the subprocess's RSS just before run_protocol, the highest RSS sampled
during run_protocol minus that (run RSS growth) and the same per agent call (KB/call, which
should not grow with N), and the subprocess's peak RSS over everything (getrusage). The full
size of issue 8 is `--tasks 20` (5 per level).
Targets: under 2 ms per call; memory per call independent of N.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _common import load, machine, markdown_header, markdown_row, peak_rss_mb, scripted_study
from _common import write_params as write

from selforg.tables import read_table
from stages.aggregate import aggregate
from stages.generate_tasks import generate_tasks
from stages.judge import judge
from stages.run_protocol import run_protocol

PROTOCOLS = ["coordinator", "sequential", "broadcast", "shared", "stigmergic", "ripple",
             "morphogenetic", "clonal"]
COLUMNS = ["N", "tasks", "runs", "agent calls", "judge calls", "generate s", "run s", "judge s",
           "aggregate s", "ms/call", "ms/run", "judge ms/call", "RSS before run MB",
           "run RSS growth MB", "KB/call", "peak RSS MB", "load (1 min)"]
TARGET_MS = 2.0


def current_rss_mb() -> float:
    """Resident memory now (not the peak), from /proc."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 2**20


def study(root: Path, protocols: list[str], n: int, per_level: int) -> Path:
    params = scripted_study(root / "cache", tasks={"per_level": per_level,
                                                   "levels": ["L1", "L2", "L3", "L4"]},
                            study={"models": ["fake"], "protocols": protocols, "n_agents": [n]})
    return write(root / "params.yaml", params)


def timed(stage: Any, params: Path, root: Path) -> float:
    started = time.perf_counter()
    stage(params, root)
    return time.perf_counter() - started


class RssSampler:
    """Highest current RSS seen while a stage runs, sampled every 5 ms from a thread.

    getrusage's peak covers the whole process, warm-up study included, so it cannot show
    what one stage added; sampling the current RSS can."""

    def __init__(self) -> None:
        self.highest = current_rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.highest = max(self.highest, current_rss_mb())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def measure(protocols: list[str], n: int, per_level: int) -> dict[str, Any]:
    """One N, in this process: a warm-up study, then the timed one."""
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm"
        warm.mkdir()
        warm_params = study(warm, protocols, min(n, 4), 1)
        for stage in (generate_tasks, run_protocol, judge, aggregate):
            stage(warm_params, warm)
        root = Path(tmp) / "timed"
        root.mkdir()
        params = study(root, protocols, n, per_level)
        generate_s = timed(generate_tasks, params, root)
        rss_before = current_rss_mb()
        with RssSampler() as sampler:
            run_s = timed(run_protocol, params, root)
        judge_s = timed(judge, params, root)
        aggregate_s = timed(aggregate, params, root)
        runs = read_table("runs", root / "data" / "runs.parquet")
        judgments = read_table("judgments", root / "data" / "judgments.parquet")
    if (runs["status"] != "ok").any():
        raise SystemExit(f"N = {n}: some runs failed: {runs['error'].dropna().iloc[0]}")
    calls = int(runs["n_calls"].sum())
    judge_calls = int((~judgments["cached"]).sum())
    return {
        "N": n, "tasks": 4 * per_level, "runs": len(runs), "agent calls": calls,
        "judge calls": judge_calls, "generate s": round(generate_s, 2),
        "run s": round(run_s, 2), "judge s": round(judge_s, 2),
        "aggregate s": round(aggregate_s, 2), "ms/call": round(run_s / calls * 1000, 2),
        "ms/run": round(run_s / len(runs) * 1000, 1),
        "judge ms/call": round(judge_s / max(1, judge_calls) * 1000, 2),
        "RSS before run MB": round(rss_before), "peak RSS MB": round(peak_rss_mb()),
        "run RSS growth MB": round(sampler.highest - rss_before, 1),
        "KB/call": round(max(0.0, sampler.highest - rss_before) * 1024 / calls, 1),
        "load (1 min)": load().split()[1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=4,
                        help="tasks, a multiple of 4 (one level each; default 4, full 20)")
    parser.add_argument("--n", type=int, nargs="+", default=[4, 16, 64, 256],
                        help="agents per run (default 4 16 64 256)")
    parser.add_argument("--protocol", action="append",
                        help="protocol(s) to run; default the 8 self-organising ones")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    protocols = args.protocol or PROTOCOLS
    per_level = max(1, args.tasks // 4)
    if args.worker:
        print(json.dumps(measure(protocols, args.worker, per_level)))
        return
    print(f"{machine()}; protocols {', '.join(protocols)}\n")
    print(markdown_header(COLUMNS), flush=True)
    for n in args.n:
        command = [sys.executable, __file__, "--worker", str(n), "--tasks", str(args.tasks)]
        for name in protocols:
            command += ["--protocol", name]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"N = {n} failed:\n{done.stderr[-3000:]}")
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print(markdown_row([row[c] for c in COLUMNS]), flush=True)
    print(f"\ntarget: < {TARGET_MS} ms per call (ms/call = run_protocol wall / agent calls); "
          "KB/call flat across N")


if __name__ == "__main__":
    main()
