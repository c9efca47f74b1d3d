"""A recording scripted model and a helper that plays one run through the real gateway."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from selforg.config import StudyConfig, load_config
from selforg.llm.cache import CallCache
from selforg.llm.gateway import Gateway
from selforg.llm.scripted import instant, register_script
from selforg.llm.tokens import token_counter
from selforg.protocols.base import RunSpec, TaskView
from selforg.runner import RunOutcome, run_one
from tests.conftest import scripted_params, write_params

TASK = TaskView("L1-000-test", "Draft a backup policy for the billing database.")
AGENT = re.compile(r"You are agent (\d+)")


def agent_of(messages: list[dict[str, str]]) -> re.Match[str] | None:
    """Which agent a request is for ("You are agent k" in any of its messages)."""
    return AGENT.search("\n".join(m["content"] for m in messages))


def visible(messages: list[dict[str, str]]) -> str:
    """What a request shows the agent of the task and others' work: the user message without
    its closing identity paragraph ("You are agent k." and the role clause)."""
    user = messages[-1]["content"]
    head, sep, _ = user.rpartition("\n\nYou are agent ")
    return head if sep else user


def schema_of(params: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema a request asked for (empty when none)."""
    fmt = params.get("response_format") or {}
    return dict(fmt.get("schema") or (fmt.get("json_schema") or {}).get("schema") or {})


def plan_size(params: dict[str, Any]) -> int | None:
    """N when the request is a coordinator's plan (its schema caps worker ids at N)."""
    props = schema_of(params).get("properties", {})
    if "assignments" not in props:
        return None
    return int(props["assignments"]["items"]["properties"]["from"]["maximum"])


def entry(first: int, last: int, role: str, subtask: str) -> dict[str, Any]:
    """One coordinator plan entry: workers first..last get role and subtask."""
    return {"from": first, "to": last, "role": role, "subtask": subtask}


def work(agent: int, call: int = 0) -> str:
    """The Recorder's contribution for an agent's call-th call (unique, never a prefix)."""
    return f"work of agent {agent} (call {call})"


def cut(text: str, max_tokens: int) -> str:
    """What a model capped at `max_tokens` would have sent of `text` (in the run's tokens)."""
    count = token_counter("scripted/recorder")
    while count(text) > max_tokens:
        text = text[: len(text) * 9 // 10]
    return text


class Recorder:
    """Scripted model: records every request; agents contribute `work(k, call)` unless told to
    abstain by `abstainers`. `reply(agent, call)` may override fields of a turn; a coordinator
    plan assigns every worker "Role{k}" and "subtask for agent {k}", except those in `idle`
    (assigned "idle") and `unlisted` (left out). With `groups`, the plan instead directs every
    worker in that many equal ranges, group g getting "Group{g}" and "subtask for group {g}"
    (the last `idle_groups` groups "idle"), cut to the call's max_tokens like a real model's
    reply (`plan_cut` says whether it was)."""

    def __init__(self, abstainers: set[int] | None = None, *, idle: set[int] | None = None,
                 unlisted: set[int] | None = None,
                 reply: Callable[[int, int], dict[str, Any]] | None = None,
                 groups: int | None = None, idle_groups: int = 0) -> None:
        self.requests: list[list[dict[str, str]]] = []
        self.abstainers = abstainers or set()
        self.idle = idle or set()
        self.unlisted = unlisted or set()
        self.reply = reply
        self.groups, self.idle_groups = groups, idle_groups
        self.plan_cut = False
        self.calls: Counter[int] = Counter()

    def plan(self, n: int, max_tokens: int) -> str:
        if self.groups is None:
            return json.dumps({"assignments": [
                entry(k, k, "idle" if k in self.idle else f"Role{k}", f"subtask for agent {k}")
                for k in range(1, n + 1) if k not in self.unlisted
            ]})
        size = n // self.groups
        text = json.dumps({"assignments": [
            entry(g * size + 1, (g + 1) * size,
                  "idle" if g >= self.groups - self.idle_groups else f"Group{g}",
                  f"subtask for group {g}: cover one aspect of the task in depth.")
            for g in range(self.groups)]})
        sent = cut(text, max_tokens)
        self.plan_cut = sent != text
        return sent

    def __call__(self, messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        self.requests.append(messages)
        match = agent_of(messages)
        if match is None:
            return "FINAL: " + messages[-1]["content"]
        n = plan_size(params)
        if n is not None:
            return self.plan(n, int(params["max_tokens"]))
        agent = int(match.group(1))
        call = self.calls[agent]
        self.calls[agent] += 1
        abstain = agent in self.abstainers
        turn: dict[str, Any] = {"role": f"Role{agent}", "abstain": abstain, "follows": None,
                                "builds_on": [], "contribution": "" if abstain
                                else work(agent, call)}
        if self.reply is not None:
            turn.update(self.reply(agent, call))
        return json.dumps(turn)

    def agent_prompts(self) -> dict[int, str]:
        """The user message each agent saw (last one wins for multi-round agents)."""
        out = {}
        for messages in self.requests:
            match = agent_of(messages)
            if match:
                out[int(match.group(1))] = visible(messages)
        return out

    def prompts_of(self, agent: int) -> list[list[dict[str, str]]]:
        """Every request agent `agent` received, in order."""
        return [m for m in self.requests
                if (match := agent_of(m)) and int(match.group(1)) == agent]

    def agent_calls(self) -> int:
        return sum(agent_of(m) is not None for m in self.requests)


def planned_instant(messages: list[dict[str, str]], params: dict[str, Any]) -> str:
    """`scripted/instant`, plus coordinator plans: the first 12 workers listed, every fourth
    of them idle, the rest unlisted (instant itself does not know the plan schema)."""
    n = plan_size(params)
    if n is None:
        return instant(messages, params)
    return json.dumps({"assignments": [
        entry(k, k, "idle" if k % 4 == 0 else f"specialist {k}", f"Part {k} of the task.")
        for k in range(1, min(n, 12) + 1)
    ]})


@pytest.fixture
def recorder() -> Recorder:
    rec = Recorder()
    register_script("recorder", rec)
    return rec


def study_config(tmp_path: Path, model: str = "scripted/recorder", **study: Any) -> StudyConfig:
    tmp_path.mkdir(parents=True, exist_ok=True)
    params = scripted_params(tmp_path / "cache")
    params["models"][0]["model"] = model
    params["study"].update(study)
    return load_config(write_params(tmp_path / "p.yaml", params))


def play(tmp_path: Path, protocol: str, n: int, assembly: str = "synthesize", *,
         task: TaskView = TASK, memory: dict[str, Any] | None = None,
         model: str = "scripted/recorder", **study: Any) -> RunOutcome:
    cfg = study_config(tmp_path, model=model, assembly=assembly, **study)
    spec = RunSpec(task, protocol, cfg.models[0], n, 0, assembly)
    gateway = Gateway(cfg, CallCache(tmp_path / "cache"))
    return asyncio.run(run_one(spec, gateway, cfg, memory))
