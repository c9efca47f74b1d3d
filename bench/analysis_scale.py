"""The aggregate stage at the reference study's scale, on synthetic tables.

    .venv/bin/python bench/analysis_scale.py [--runs 2500] [--turns 100000]
        [--judgments 10000] [--profile]

The defaults are a tenth of the reference scale (the smallest full design, 4 tasks, has 2,336
runs); the reference scale is `--runs 25000 --turns 1000000 --judgments 100000`.

The design is params/reference.yaml's (8 models, 2 of them open weights; the 10 protocols;
N in 4..256; a 2-judge panel), with scripted model strings so no key is needed (the
aggregate stage never calls a model). Tasks are added until the design has `--runs` runs.
Turns per run grow with N (an agent turn per agent, cut to the `--turns` total, plus the
assembly call); judgments are every ok run x 2 judges x enough samples for `--judgments`.
Scores carry a protocol, level and model effect with noise, and about 1 run in 40 fails,
so every statistic of the analysis plan has something to compute.

Tables are built column-wise and written through DuckDB with the casts of selforg.schema
(`tables.write_table` takes row dicts, and a million of them would cost more than the stage
being measured); the stage then reads them with `tables.read_table`, which checks the schema.
The aggregate stage runs in a subprocess, so its peak RSS is its own. `--profile` runs it
under cProfile and prints the 30 most expensive functions by cumulative time.
Target: under 60 s and 2 GB.

The prompt log (data/prompts.parquet, data/judge_prompts.parquet and their text tables) is
synthesized too, shaped like the real one (bench/_prompt_log.py), and its size printed: how
many MB on disk stand for how many MB of messages. The aggregate stage never reads it (only
`selforg view` does), so it is there to show the files' size at scale, not to cost time.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import math
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from _common import load, machine, peak_rss_mb, write_params
from _prompt_log import prompt_log_sizes, synthesize_prompts

from selforg.schema import TABLES, column_names

MODELS = {"claude-sonnet-4.6": False, "gpt-5.4": False, "gpt-4o": False, "gpt-4.1-mini": False,
          "gemini-3-flash": False, "gigachat-2-max": False, "deepseek-v3.2": True,
          "glm-5": True}
PROTOCOLS = ["coordinator", "sequential", "broadcast", "shared", "stigmergic", "ripple",
             "morphogenetic", "clonal", "single", "fixed_roles"]
N_AGENTS = [4, 8, 16, 32, 64, 96, 128, 256]
JUDGES = ["judge-a", "judge-b"]
LEVELS = {"L1": 0.85, "L2": 0.8, "L3": 0.7, "L4": 0.55}
ROLES = ["Analyst", "analysts", "Planner", "Risk Officer", "Writer", "Reviewer", "Engineer",
         "Coordinator", "Critic", "Domain Expert"]
FAIL_EVERY = 40
TARGET_S, TARGET_MB = 60.0, 2048.0


def params(root: Path) -> dict[str, object]:
    """A valid study config whose study section matches the synthetic tables."""
    models = [{"name": name, "model": "scripted/instant", "open_weights": open_,
               "price": {"input_per_mtok": 0.3 if open_ else 3.0,
                         "output_per_mtok": 1.0 if open_ else 12.0}}
              for name, open_ in MODELS.items()]
    models += [{"name": judge, "model": "scripted/instant-judge"} for judge in JUDGES]
    return {
        "seed": 2603,
        "models": models,
        "study": {"models": list(MODELS), "protocols": PROTOCOLS, "n_agents": N_AGENTS},
        "judges": {"models": JUDGES, "samples": 2},
        "budget": {"max_usd": 1.0, "max_calls": 1000},
        "cache": {"dir": str(root / "cache")},
    }


def write_frame(name: str, frame: pd.DataFrame, path: Path) -> None:
    """Write a frame with the schema's column order and types (as tables.write_table does)."""
    casts = ", ".join(f'CAST("{c.name}" AS {c.sql_type}) AS "{c.name}"' for c in TABLES[name])
    con = duckdb.connect()
    try:
        con.register("frame", frame)
        con.execute(f"COPY (SELECT {casts} FROM frame) TO '{path}' (FORMAT PARQUET)")
    finally:
        con.close()


def complete(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame in the schema's column order; a schema column the generator does not know
    (the schema grows while this benchmark stays put) gets its empty value: null when
    nullable, else an empty list, false or an empty string."""
    for column in TABLES[name]:
        if column.name not in frame.columns:
            if column.nullable:
                frame[column.name] = None
            elif column.sql_type.endswith("[]"):
                frame[column.name] = [[] for _ in range(len(frame))]
            else:
                frame[column.name] = False if column.sql_type == "BOOLEAN" else ""
    return frame[column_names(name)]


def synthesize(data: Path, runs_wanted: int, turns_wanted: int, judgments_wanted: int,
               seed: int = 0) -> dict[str, int]:
    """Write the four tables to `data`; return their row counts."""
    rng = np.random.default_rng(seed)
    cells = [(m, p, n) for m in MODELS for p in PROTOCOLS
             for n in ([1] if p == "single" else N_AGENTS)]
    n_tasks = max(4, math.ceil(runs_wanted / len(cells)))
    levels = list(LEVELS)
    tasks = pd.DataFrame({
        "task_id": [f"{levels[i % 4]}-{i:03d}-synt" for i in range(n_tasks)],
        "level": [levels[i % 4] for i in range(n_tasks)],
        "domains": [["finance", "legal"]] * n_tasks,
        "title": [f"task {i}" for i in range(n_tasks)],
        "prompt": [f"Solve synthetic task {i} in 8 steps." for i in range(n_tasks)],
        "stakeholders": [["board", "staff", "regulator"]] * n_tasks,
        "steps": 8, "verifiable": [i % 3 == 0 for i in range(n_tasks)],
        "reference": ['{"answer": 1}' if i % 3 == 0 else None for i in range(n_tasks)],
        "seed": seed,
    })
    tasks = complete("tasks", tasks)

    # Runs: every cell x every task.
    model = np.repeat([c[0] for c in cells], n_tasks)
    protocol = np.repeat([c[1] for c in cells], n_tasks)
    n_agents = np.repeat([c[2] for c in cells], n_tasks)
    task_idx = np.tile(np.arange(n_tasks), len(cells))
    total = len(model)
    run_id = np.array([f"r{i:07d}" for i in range(total)])
    failed = (np.arange(total) % FAIL_EVERY) == FAIL_EVERY - 1
    # Agent turns per run: N each, scaled so the whole table has about `turns_wanted` rows.
    scale = max(0.0, turns_wanted - total) / float(n_agents.sum())
    k = np.maximum(1, np.minimum(n_agents * 2, np.round(n_agents * scale))).astype(int)
    effect = {p: 1.0 + 0.04 * (i % 5 - 2) for i, p in enumerate(PROTOCOLS)}
    true_q = np.clip(np.array([LEVELS[levels[t % 4]] for t in task_idx])
                     * np.array([effect[p] for p in protocol])
                     * np.where([MODELS[m] for m in model], 0.95, 1.0)
                     * (1 - 0.02 * np.log2(n_agents)) + rng.normal(0, 0.05, total), 0.25, 1.0)
    calls = k + 1
    prompt_tokens = calls * 400 + rng.integers(0, 200, total)
    completion_tokens = calls * 90 + rng.integers(0, 50, total)
    price = np.where([MODELS[m] for m in model], 0.3e-6, 3e-6)
    runs = pd.DataFrame({
        "run_id": run_id, "task_id": tasks["task_id"].to_numpy()[task_idx],
        "protocol": protocol, "model": model, "n_agents": n_agents, "replicate": 0,
        "assembly": "synthesize",
        "final_answer": [None if f else "A plan in eight steps. " * 20 for f in failed],
        "n_active": np.maximum(1, n_agents - n_agents // 8), "n_abstained": n_agents // 8,
        "hierarchy_depth": np.where(protocol == "coordinator", 2, 1), "n_calls": calls,
        "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
        "cost_usd": (prompt_tokens + 4 * completion_tokens) * price,
        "latency_s": calls * 0.8 + rng.random(total), "status": np.where(failed, "failed", "ok"),
        "error": ["failed after 6 attempt(s): RateLimitError" if f else None for f in failed],
    })
    runs = complete("runs", runs)

    # Judgments: ok runs x judges x samples, scores around the run's true quality.
    ok = np.flatnonzero(~failed)
    samples = max(1, round(judgments_wanted / (len(ok) * len(JUDGES))))
    per_run = len(JUDGES) * samples
    j_run = np.repeat(ok, per_run)
    j_judge = np.tile(np.repeat(JUDGES, samples), len(ok))
    j_sample = np.tile(np.arange(samples), len(ok) * len(JUDGES))
    dims = ("accuracy", "completeness", "coherence", "actionability", "mission")
    scores = {d: np.clip(np.round(4 * true_q[j_run] + rng.normal(0, 0.4, len(j_run))), 1, 4)
              .astype(int) for d in dims}
    q = sum(scores[d] for d in dims[:4]) / 16
    judgments = pd.DataFrame({
        "run_id": run_id[j_run], "judge_model": j_judge, "sample": j_sample, **scores,
        "q": q, "m": scores["mission"] / 4, "rationale": "synthetic judgment",
        "verified_correct": np.where(tasks["verifiable"].to_numpy()[task_idx[j_run]],
                                     true_q[j_run] > 0.7, None),
        "prompt_tokens": 600, "completion_tokens": 60, "cost_usd": 0.002, "cached": False,
        "status": "ok", "error": None,
    })
    judgments = complete("judgments", judgments)

    # Turns: k agent turns per run (agent i % N in round i // N) and the assembly call (-1),
    # generated inside DuckDB because a million Python rows would dominate the benchmark.
    con = duckdb.connect()
    try:
        con.register("spec", pd.DataFrame({"run_id": run_id, "n": n_agents, "k": k,
                                           "failed": failed, "protocol": protocol,
                                           "model": model}))
        roles = "[" + ", ".join(f"'{r}'" for r in ROLES) + "]"
        turns = con.execute(f"""
            WITH agent_rows AS (
                SELECT run_id, n, protocol, model, failed, k, unnest(range(k)) AS i FROM spec
            ), rows AS (
                SELECT run_id, protocol, model, (i % n)::INTEGER AS agent,
                       (i // n)::INTEGER AS round,
                       hash(run_id, i) AS h, failed AND i = k - 1 AS last_failed
                FROM agent_rows
                UNION ALL
                SELECT run_id, protocol, model, -1, (k // n + 1)::INTEGER, hash(run_id, -1),
                       failed
                FROM spec
            )
            SELECT run_id, agent, round, model, false AS removed,
                   CASE WHEN agent >= 0 THEN {roles}[1 + (h % {len(ROLES)})::INTEGER] END
                       AS role,
                   lower(COALESCE(CASE WHEN agent >= 0
                                       THEN {roles}[1 + (h % {len(ROLES)})::INTEGER] END, ''))
                       AS role_norm,
                   agent >= 0 AND h % 9 = 0 AS abstain,
                   protocol = 'coordinator' AND agent >= 0 AND h % 9 = 0 AS directed,
                   CASE WHEN agent > 0 THEN [agent - 1] ELSE [] END AS builds_on,
                   CASE WHEN protocol = 'coordinator' AND agent > 0 THEN 0 END AS follows,
                   'Agent proposes a step for the task.' AS contribution,
                   400 AS prompt_tokens, 90 AS completion_tokens, 6000 AS budget_tokens,
                   0.0012 AS cost_usd, 0.8 AS latency_s, false AS cached,
                   agent < 0 OR h % 50 <> 0 AS parse_ok,
                   CASE WHEN last_failed THEN 'failed after 6 attempt(s)' END AS error
            FROM rows ORDER BY run_id, round, agent
        """).df()
        turns = complete("turns", turns)
    finally:
        con.close()
    data.mkdir(parents=True, exist_ok=True)
    for name, frame in (("tasks", tasks), ("runs", runs), ("turns", turns),
                        ("judgments", judgments)):
        write_frame(name, frame, data / f"{name}.parquet")
    return {"tasks": len(tasks), "runs": len(runs), "turns": len(turns),
            "judgments": len(judgments)}


def worker(root: Path, profile: bool) -> None:
    """Run the aggregate stage in this process; print wall time and peak RSS as JSON."""
    from stages.aggregate import aggregate

    params_path = root / "params.yaml"
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler is not None:
        profiler.runcall(aggregate, params_path, root)
    else:
        aggregate(params_path, root)
    wall = time.perf_counter() - started
    if profiler is not None:
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)
    print(json.dumps({"wall_s": wall, "peak_rss_mb": peak_rss_mb()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2_500,
                        help="runs (default 2,500; reference 25,000)")
    parser.add_argument("--turns", type=int, default=100_000,
                        help="turns, assembly calls included (default 100,000; reference "
                        "1,000,000)")
    parser.add_argument("--judgments", type=int, default=10_000,
                        help="judgments (default 10,000; reference 100,000)")
    parser.add_argument("--profile", action="store_true",
                        help="run the stage under cProfile and print the hot spots")
    parser.add_argument("--keep", type=Path, help="build the study in this directory and keep "
                        "it (default: a temporary directory)")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.profile)
        return
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        counts = synthesize(root / "data", args.runs, args.turns, args.judgments)
        counts.update(synthesize_prompts(root / "data"))
        write_params(root / "params.yaml", params(root))
        print(f"synthesized {counts} in {time.perf_counter() - started:.1f} s ({load()})",
              flush=True)
        command = [sys.executable, __file__, "--worker", str(root)]
        if args.profile:
            command.append("--profile")
        print(prompt_log_sizes(root / "data"), flush=True)
        before = load()
        done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
    wall, rss = result["wall_s"], result["peak_rss_mb"]
    print(f"aggregate stage: wall {wall:.1f} s (target < {TARGET_S:.0f} s: "
          f"{'met' if wall < TARGET_S else 'MISSED'}), peak RSS {rss:.0f} MB "
          f"(target < {TARGET_MB:.0f} MB: {'met' if rss < TARGET_MB else 'MISSED'}); "
          f"{before} before, {load()} after")


if __name__ == "__main__":
    main()
