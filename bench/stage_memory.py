"""Peak resident memory of the model stages of a study, sampled from /proc while they run.

    .venv/bin/python bench/stage_memory.py [--params params.yaml] [--interval 0.2]

Runs the real stages generate_tasks, run_protocol and judge of a study (the default study:
params.yaml) in a scratch directory with a fresh call cache, each as `dvc repro` runs it
(`python -m stages.NAME`), and samples every `--interval` seconds the resident memory (VmRSS)
of the stage's process and of its process tree (the stage plus the child that checks its
inputs, selforg.validation.validate_inputs). Prints per stage: wall time, the peak of the stage
process, the peak of the tree (the sum over its processes at one sample) and the stage's own
closing line. Sampling misses a peak shorter than the interval; getrusage's ru_maxrss would
not, but covers one process only, so the stage's figure is also printed from it (`maxrss`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from _common import load, machine, markdown_header, markdown_row

REPO = Path(__file__).resolve().parents[1]
STAGES = ("generate_tasks", "run_protocol", "judge")


def rss_kb(pid: int) -> int:
    """VmRSS of one process in KB, 0 once it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (children, their children, ...)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def run_stage(stage: str, root: Path, interval: float) -> dict[str, object]:
    """One stage in its own process, sampled until it exits."""
    code = ("import resource, runpy, sys\ncode = 0\n"
            f"try: runpy.run_module('stages.{stage}', run_name='__main__')\n"
            "except SystemExit as exc: code = exc.code or 0\n"
            "print('maxrss_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
            "file=sys.stderr); sys.exit(code)")
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, "--params", "params.yaml"],
                            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    peak_main = peak_tree = 0
    while proc.poll() is None:
        main = rss_kb(proc.pid)
        tree = main + sum(rss_kb(p) for p in descendants(proc.pid))
        peak_main, peak_tree = max(peak_main, main), max(peak_tree, tree)
        time.sleep(interval)
    out, err = proc.communicate()
    if proc.returncode != 0:
        sys.exit(f"{stage} exited {proc.returncode}:\n{err[-3000:]}")
    maxrss = next(int(line.split()[1]) for line in err.splitlines()
                  if line.startswith("maxrss_kb"))
    closing = [line for line in out.splitlines() if line.startswith(f"{stage}:")]
    return {"stage": stage, "wall s": round(time.perf_counter() - start, 1),
            "peak RSS MB": peak_main // 1024, "maxrss MB": maxrss // 1024,
            "peak RSS with children MB": peak_tree // 1024,
            "load (1 min)": f"{os.getloadavg()[0]:.2f}", "closing": " / ".join(closing)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--params", type=Path, default=REPO / "params.yaml")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between samples")
    args = parser.parse_args()
    params = yaml.safe_load(args.params.read_text())
    print(machine(), "|", load())
    with tempfile.TemporaryDirectory(prefix="selforg-memory-") as tmp:
        root = Path(tmp)
        for name in ("selforg", "stages"):
            os.symlink(REPO / name, root / name)
        (root / "data").mkdir()
        params["cache"] = {**params.get("cache", {}), "dir": ".selforg/cache"}
        (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
        rows = [run_stage(stage, root, args.interval) for stage in STAGES]
    columns = ["stage", "wall s", "peak RSS MB", "maxrss MB", "peak RSS with children MB",
               "load (1 min)"]
    print(markdown_header(columns))
    for row in rows:
        print(markdown_row([row[c] for c in columns]))
    for row in rows:
        print(row["closing"])


if __name__ == "__main__":
    main()
