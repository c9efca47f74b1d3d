"""Helpers shared by the benchmarks: the machine line, load, memory and params files.

Every figure on this shared 2-core machine moves with the load, so each benchmark prints the
1-minute load average next to what it measured (`load()`), and the machine it ran on.
"""

from __future__ import annotations

import os
import platform
import resource
from pathlib import Path
from typing import Any

import yaml

# Offline price map for litellm, as in the tests: no network at import.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def machine() -> str:
    """One line naming the interpreter and the hardware, for the docs' tables."""
    return (f"{platform.python_implementation()} {platform.python_version()}, "
            f"{os.cpu_count()} CPUs, {platform.machine()}")


def load() -> str:
    """The 1/5/15-minute load averages, printed beside every figure."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (Linux reports ru_maxrss in KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scripted_study(cache_dir: Path, **overrides: Any) -> dict[str, Any]:
    """A valid study on the instant scripted model (tests/conftest.py's, duplicated because
    bench/ must not import the test package); overrides replace top-level keys."""
    params: dict[str, Any] = {
        "seed": 0,
        "tasks": {"per_level": 1, "levels": ["L1", "L2", "L3", "L4"]},
        "models": [{"name": "fake", "model": "scripted/instant", "max_concurrency": 16},
                   {"name": "fake-judge", "model": "scripted/instant-judge",
                    "max_concurrency": 16}],
        "study": {"models": ["fake"], "protocols": ["single"], "n_agents": [4]},
        "judges": {"models": ["fake-judge"], "samples": 1},
        "budget": {"max_usd": 1.0, "max_calls": 10_000_000},
        "cache": {"dir": str(cache_dir)},
        "retry": {"attempts": 3, "base_delay_s": 0.0, "max_delay_s": 0.0},
    }
    params.update(overrides)
    return params


def write_params(path: Path, params: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


def markdown_row(values: list[object]) -> str:
    return "| " + " | ".join(str(v) for v in values) + " |"


def markdown_header(columns: list[str]) -> str:
    return markdown_row(list(columns)) + "\n|" + "|".join("---" for _ in columns) + "|"
