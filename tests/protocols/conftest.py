"""A recording scripted model and a helper that plays one run through the real gateway."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest

from selforg.config import StudyConfig, load_config
from selforg.llm.cache import CallCache
from selforg.llm.gateway import Gateway
from selforg.llm.scripted import register_script
from selforg.protocols.base import RunSpec, TaskView
from selforg.runner import RunOutcome, run_one
from tests.conftest import scripted_params, write_params

TASK = TaskView("L1-000-test", "Draft a backup policy for the billing database.")


class Recorder:
    """Scripted model: records every request; agents contribute "work of agent k" unless told
    to abstain by `abstainers`."""

    def __init__(self, abstainers: set[int] | None = None) -> None:
        self.requests: list[list[dict[str, str]]] = []
        self.abstainers = abstainers or set()

    def __call__(self, messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        self.requests.append(messages)
        match = re.search(r"You are agent (\d+)", messages[0]["content"])
        if match is None:
            return "FINAL: " + messages[-1]["content"]
        agent = int(match.group(1))
        abstain = agent in self.abstainers
        return json.dumps({"role": f"Role{agent}", "abstain": abstain, "follows": None,
                           "builds_on": [], "contribution": "" if abstain
                           else f"work of agent {agent}"})

    def agent_prompts(self) -> dict[int, str]:
        """The user message each agent saw (last one wins for multi-round agents)."""
        out = {}
        for messages in self.requests:
            match = re.search(r"You are agent (\d+)", messages[0]["content"])
            if match:
                out[int(match.group(1))] = messages[-1]["content"]
        return out


@pytest.fixture
def recorder() -> Recorder:
    rec = Recorder()
    register_script("recorder", rec)
    return rec


def study_config(tmp_path: Path, **study: Any) -> StudyConfig:
    params = scripted_params(tmp_path / "cache")
    params["models"][0]["model"] = "scripted/recorder"
    params["study"].update(study)
    return load_config(write_params(tmp_path / "p.yaml", params))


def play(tmp_path: Path, protocol: str, n: int, assembly: str = "synthesize",
         **study: Any) -> RunOutcome:
    cfg = study_config(tmp_path, assembly=assembly, **study)
    spec = RunSpec(TASK, protocol, cfg.models[0], n, 0, assembly)
    gateway = Gateway(cfg, CallCache(tmp_path / "cache"))
    return asyncio.run(run_one(spec, gateway, cfg))
