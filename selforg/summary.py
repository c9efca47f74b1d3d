"""The headline table of a finished study, read from reports/metrics.json.

`selforg summary` prints it and the Prefect flow publishes it as a table artifact; both take
the rows from here so the terminal and the UI always show the same numbers.
"""

from __future__ import annotations

import json
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
