"""Smoke study: every protocol at N = 4, 16, 64 and 256 on the embedded model (issue 3).

    .venv/bin/python bench/smoke_study.py [--params params/smoke.yaml] [--root .selforg/smoke]
        [--protocol NAME ...] [--n N ...]

Runs the real stages generate_tasks and run_protocol (SmolLM2-135M through llama.cpp, every
call through litellm and the gateway) into `--root`, then reads the runs and turns tables back
and prints, per protocol and N: runs ok, model calls, abstentions, the largest prompt in
tokens and the context budget. The model's call cache lives under `--root`, so a killed smoke
study resumes where it stopped and a finished one prints its table again in seconds.

`--protocol` and `--n` narrow the study to some protocols or N (written as params.yaml under
`--root`), so the study can be run in parts; calls made by an earlier, wider invocation are
replayed from the cache.

It also prints the size of the prompt log (data/prompts.parquet and data/prompt_texts.parquet):
the characters of every message the agents were sent, the characters stored once each, and
the two files' bytes.

The bound it checks: a view of other agents' work is fitted to `study.context_budget_tokens`,
so the largest prompt at N = 256 may exceed the largest at the protocol's smallest N (the same
prompt skeleton with a small view) by at most the budget plus the 64-token allowance for a
protocol's fixed heading line. The last line says whether every protocol stayed within it;
the exit code is 1 if one did not or a run failed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb
import yaml
from _common import load, machine, markdown_header, markdown_row, write_params

from selforg.config import load_config
from selforg.paths import Paths
from stages.generate_tasks import generate_tasks
from stages.run_protocol import run_protocol

HEADING_ALLOWANCE = 64  # tokens a protocol's fixed view heading may add (docs/protocols.md)
COLUMNS = ("protocol", "N", "runs ok", "calls", "abstained", "max prompt tokens",
           "budget", "growth over smallest N", "within bound")


def summary(paths: Paths) -> list[tuple]:
    """Per protocol and N: runs ok, calls made, abstentions and the largest prompt."""
    con = duckdb.connect()
    return con.execute(
        f"""
        with t as (
            select run_id, max(prompt_tokens) as max_prompt, max(budget_tokens) as budget,
                   count(*) filter (where abstain and not removed) as abstained
            from read_parquet('{paths.turns}') group by run_id)
        select r.protocol, r.n_agents, count(*) filter (where r.status = 'ok'),
               sum(r.n_calls), sum(t.abstained), max(t.max_prompt), max(t.budget)
        from read_parquet('{paths.runs}') r join t using (run_id)
        group by all order by r.protocol, r.n_agents
        """).fetchall()


PROMPT_LOG_SQL = """
WITH refs AS (
    SELECT unnest(flatten(parts)) AS text_id FROM read_parquet('{prompts}')
)
SELECT (SELECT count(*) FROM read_parquet('{prompts}')),
       (SELECT sum(length(t.text)) FROM refs JOIN read_parquet('{texts}') t USING (text_id)),
       (SELECT count(*) FROM read_parquet('{texts}')),
       (SELECT sum(length(text)) FROM read_parquet('{texts}'))
"""


def prompt_log_line(paths: Paths) -> str:
    """Calls, characters sent, characters stored and bytes of the prompt log."""
    calls, sent, texts, stored = duckdb.connect().execute(PROMPT_LOG_SQL.format(
        prompts=paths.prompts, texts=paths.prompt_texts)).fetchone() or (0, 0, 0, 0)
    size = paths.prompts.stat().st_size + paths.prompt_texts.stat().st_size
    return (f"# prompt log: {calls:,} calls, {sent or 0:,} message characters sent, "
            f"{texts:,} distinct texts holding {stored or 0:,} characters; files "
            f"{size / 1e6:.2f} MB (prompts.parquet {paths.prompts.stat().st_size / 1e6:.2f} MB, "
            f"prompt_texts.parquet {paths.prompt_texts.stat().st_size / 1e6:.2f} MB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", type=Path, default=Path("params/smoke.yaml"))
    parser.add_argument("--root", type=Path, default=Path(".selforg/smoke"))
    parser.add_argument("--protocol", nargs="+", help="only these protocols")
    parser.add_argument("--n", nargs="+", type=int, help="only these N")
    args = parser.parse_args()
    paths = Paths(args.root)
    paths.data.mkdir(parents=True, exist_ok=True)
    params = yaml.safe_load(args.params.read_text())
    params["study"]["protocols"] = args.protocol or params["study"]["protocols"]
    params["study"]["n_agents"] = args.n or params["study"]["n_agents"]
    narrowed = write_params(args.root / "params.yaml", params)
    cfg = load_config(narrowed)
    print(f"# {machine()}; {load()}; protocols {', '.join(cfg.study.protocols)}; "
          f"N {cfg.study.n_agents}")
    start = time.perf_counter()
    generate_tasks(narrowed, args.root)
    run_protocol(narrowed, args.root)
    print(f"# wall {time.perf_counter() - start:.0f} s; {load()}")
    rows = summary(paths)
    smallest = {p: m for p, _, _, _, _, m, _ in sorted(rows, key=lambda r: -r[1])}
    print(markdown_header(list(COLUMNS)))
    runs_per_cell = cfg.study.replicates * len(cfg.tasks.levels) * cfg.tasks.per_level
    failures = []
    for protocol, n, ok, calls, abstained, max_prompt, budget in rows:
        growth = max_prompt - smallest[protocol]
        within = growth <= cfg.study.context_budget_tokens + HEADING_ALLOWANCE
        if not within or ok != runs_per_cell:
            failures.append(f"{protocol} N={n}")
        print(markdown_row([protocol, n, ok, calls, abstained, max_prompt, budget, growth,
                            "yes" if within else "NO"]))
    print(prompt_log_line(paths))
    print("# every protocol within the bound, every run ok" if not failures
          else f"# FAILED: {', '.join(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
