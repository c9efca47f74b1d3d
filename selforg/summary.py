"""The headline table of a finished study, read from reports/metrics.json, and where it came from.

`selforg summary` prints it and the Prefect flow publishes it as a table artifact; both take
the rows from here (`headline_table`: rounded as the report rounds them) so the terminal, the
UI and the report show the same numbers. On a fresh clone metrics.json is the committed one
while the report is not built yet: `provenance` and `report_status` say so.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from selforg.errors import DataError
from selforg.paths import Paths


def load_metrics(root: Path) -> dict[str, Any]:
    path = Paths(root).metrics
    if not path.is_file():
        raise DataError(f"{path} does not exist", "run the study first: `dvc repro`")
    metrics: dict[str, Any] = json.loads(path.read_text())
    return metrics


def headline_rows(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per protocol (all settings pooled): Q with its CI and n, cost, speed, errors."""
    protocols = sorted(k.split(".", 1)[1] for k in metrics
                       if k.startswith("q.") and "@" not in k)
    optional = ["q_ci_low", "q_ci_high", "tokens_per_run", "latency_s", "error_rate", "balance"]
    return [{"protocol": p, "q": metrics[f"q.{p}"], "n": metrics[f"q_n.{p}"],
             **{name: metrics.get(f"{name}.{p}") for name in optional}}
            for p in protocols]


def headline_table(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    """`headline_rows` as the report's headline table prints them: Q and its 95% CI to three
    decimals, tokens per run whole, latency to two decimals, error rate in percent."""
    # Here, not at the top: reporting.text imports scipy and pandas (seconds), which
    # `selforg summary` without a metrics.json should not wait for.
    from selforg.reporting.text import num, pct

    table = []
    for row in headline_rows(metrics):
        q, lo, hi = row["q"], row["q_ci_low"], row["q_ci_high"]
        table.append({
            "protocol": row["protocol"],
            "Q [95% CI]": num(q) + (f" [{num(lo)}, {num(hi)}]" if q is not None
                                    and lo is not None and hi is not None else ""),
            "n tasks": row["n"],
            "tokens/run": num(row["tokens_per_run"], 0),
            "latency s": num(row["latency_s"], 2),
            "error rate": pct(row["error_rate"]),
            "balance": num(row["balance"]),
        })
    return table


def _git(root: Path, *args: str) -> str | None:
    """git's output, or None when git is missing or the command fails (not a repository)."""
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              check=False, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def provenance(root: Path) -> str:
    """Which commit the numbers of reports/metrics.json are from, or that they are not
    committed (a study run in this working tree since the last commit)."""
    metrics = Paths(root).metrics.resolve()
    if _git(root, "rev-parse", "--show-toplevel") is None:
        return f"numbers from {metrics} (not in a git repository)"
    last = _git(root, "log", "-1", "--format=%h %cs %s", "--", str(metrics))
    if not last or _git(root, "status", "--porcelain", "--", str(metrics)):
        return ("numbers from this working tree: reports/metrics.json differs from its last "
                "commit (a study run here and not committed yet)")
    commit, _, rest = last.partition(" ")
    date, _, subject = rest.partition(" ")
    return f"numbers as committed in {commit} ({date}: {subject})"


def report_status(report: Path) -> str:
    """The report's path, or why it is not there and the two ways to get it."""
    if report.is_file():
        return f"report: {report.resolve()}"
    return (f"report: not built in this working tree ({report.resolve()} does not exist)\n"
            "  get it: `dvc pull` (this commit's tables and report, from a DVC remote that "
            "holds them: README, \"Sharing results\") or `dvc repro` / `make study` (rebuild)")
