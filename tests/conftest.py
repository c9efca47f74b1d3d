"""Shared fixtures: params files for a scripted model and for the embedded model."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from selforg.llm.engine import THREADS_ENV

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# pytest-xdist's workers share the cores: each embedded engine (in this process and in the
# stages it starts) gets its share, as more llama.cpp threads than cores stall each other.
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _WORKERS > 1:
    os.environ.setdefault(THREADS_ENV, str(max(1, (os.cpu_count() or 1) // _WORKERS)))

REPO = Path(__file__).resolve().parents[1]


def scripted_params(cache_dir: Path, **overrides: Any) -> dict[str, Any]:
    """A small valid study on the instant scripted model; overrides replace top-level keys."""
    params: dict[str, Any] = {
        "seed": 0,
        "tasks": {"per_level": 1, "levels": ["L1", "L2"]},
        "models": [{"name": "fake", "model": "scripted/instant", "max_concurrency": 4},
                   {"name": "fake-judge", "model": "scripted/instant-judge"}],
        "study": {"models": ["fake"], "protocols": ["single", "sequential"], "n_agents": [3]},
        "judges": {"models": ["fake-judge"], "samples": 2},
        "budget": {"max_usd": 1.0, "max_calls": 10_000},
        "cache": {"dir": str(cache_dir)},
        "retry": {"attempts": 3, "base_delay_s": 0.0, "max_delay_s": 0.0},
    }
    params.update(overrides)
    return params


def write_params(path: Path, params: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


@pytest.fixture
def scripted_params_file(tmp_path: Path) -> Path:
    return write_params(tmp_path / "params.yaml", scripted_params(tmp_path / "cache"))
