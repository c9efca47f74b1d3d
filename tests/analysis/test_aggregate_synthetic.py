"""Synthetic study tables with known effects, shared by the aggregate and report tests.

`synthetic_tables` builds tasks, runs, turns and judgments that pass the schema checks of
`selforg.tables`: sequential is about 10% above coordinator and single 10% below, quality falls
from L1 to L4, the closed model is better and costs USD while the open one is free, a few runs
fail. The tests here check the generator itself; the other modules import it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from selforg.tables import read_table, write_table

LEVEL_BASE = {"L1": 0.85, "L2": 0.8, "L3": 0.7, "L4": 0.55}
EFFECT = {"coordinator": 1.0, "sequential": 1.1, "single": 0.9, "batched_sequential": 1.05,
          "two_pass_sequential": 1.1}
MODEL_EFFECT = {"closed": 1.0, "open": 0.95}
ROLES = ["Analyst", "analysts", "Planner", "Risk Officer", "Writer", "Reviewer", "Engineer"]
JUDGES = ("judge-a", "judge-b")
QUALITY = ("accuracy", "completeness", "coherence", "actionability")


@dataclass(frozen=True)
class Tables:
    tasks: pd.DataFrame
    runs: pd.DataFrame
    turns: pd.DataFrame
    judgments: pd.DataFrame

    def write(self, data: Path) -> None:
        """Write the four tables as parquet through the schema-checked writer."""
        for name in ("tasks", "runs", "turns", "judgments"):
            frame: pd.DataFrame = getattr(self, name)
            rows = json.loads(frame.to_json(orient="records"))
            write_table(name, rows, data / f"{name}.parquet")


def _tasks(per_level: int) -> pd.DataFrame:
    rows = []
    for level in LEVEL_BASE:
        for i in range(per_level):
            verifiable = i % 2 == 0
            rows.append({"task_id": f"{level}-{i:03d}", "level": level, "domains": ["finance"],
                         "title": f"task {level} {i}", "prompt": f"Solve {level} {i}.",
                         "stakeholders": [], "steps": 4, "verifiable": verifiable,
                         "reference": "{}" if verifiable else None, "seed": 0})
    return pd.DataFrame(rows)


def _turn(run_id: str, agent: int, round_: int, role: str | None, abstain: bool,
          directed: bool, follows: int | None) -> dict[str, Any]:
    return {"run_id": run_id, "agent": agent, "round": round_, "model": "m", "role": role,
            "role_norm": (role or "").lower(), "abstain": abstain, "directed": directed,
            "removed": False,
            "builds_on": [], "follows": follows, "contribution": "text",
            "prompt_tokens": 100, "completion_tokens": 50, "budget_tokens": 900,
            "cost_usd": 0.0, "latency_s": 0.1, "cached": False, "parse_ok": agent != 1,
            "error": None, "structured_output": "json_object" if agent >= 0 else None}


def _team(rng: np.random.Generator, run_id: str, protocol: str, n: int) -> list[dict[str, Any]]:
    """Agent turns plus the assembly call (agent -1)."""
    turns = []
    if protocol == "coordinator":
        turns.append(_turn(run_id, 0, 0, "Coordinator", False, False, None))
        for a in range(1, n + 1):
            idle = a == n
            turns.append(_turn(run_id, a, 1, None if idle else str(rng.choice(ROLES)), idle,
                               idle, 0))
    else:
        for a in range(n):
            quit_ = protocol == "sequential" and a == n - 1 and rng.random() < 0.5
            turns.append(_turn(run_id, a, 0, str(ROLES[a % len(ROLES)]), quit_, False,
                               a - 1 if a and protocol == "sequential" else None))
    final_round = max(t["round"] for t in turns)
    turns.append(_turn(run_id, -1, final_round + 1, None, False, False, None))
    return turns


def _judgments(rng: np.random.Generator, run_id: str, true_q: float) -> list[dict[str, Any]]:
    rows = []
    for judge in JUDGES:
        for sample in range(2):
            scores = {d: int(np.clip(round(4 * true_q + rng.normal(0, 0.35)), 1, 4))
                      for d in (*QUALITY, "mission")}
            rows.append({"run_id": run_id, "judge_model": judge, "sample": sample, **scores,
                         "q": sum(scores[d] for d in QUALITY) / 16, "m": scores["mission"] / 4,
                         "rationale": "ok", "verified_correct": bool(true_q > 0.7),
                         "verdict": "correct: synthetic" if true_q > 0.7 else "wrong: synthetic",
                         "prompt_tokens": 300, "completion_tokens": 40, "cost_usd": 0.0,
                         "cached": False, "status": "ok", "error": None,
                         "structured_output": "json_object"})
    return rows


def synthetic_tables(seed: int = 7, per_level: int = 6, ns: tuple[int, ...] = (4, 8),
                     protocols: tuple[str, ...] = ("coordinator", "sequential", "single"),
                     models: tuple[str, ...] = ("closed", "open"),
                     fail_every: int = 37) -> Tables:
    """A complete study: every model x protocol x N x task, one replicate."""
    rng = np.random.default_rng(seed)
    tasks = _tasks(per_level)
    task_effect = {t: rng.normal(1.0, 0.05) for t in tasks["task_id"]}
    runs, turns, judgments = [], [], []
    counter = 0
    for model in models:
        for protocol in protocols:
            for n in (1,) if protocol == "single" else ns:
                for task in tasks.itertuples():
                    counter += 1
                    run_id = f"{model}-{protocol}-{n}-{task.task_id}"
                    true_q = float(np.clip(LEVEL_BASE[str(task.level)] * EFFECT[protocol]
                                           * MODEL_EFFECT[model] * task_effect[task.task_id]
                                           + rng.normal(0, 0.03), 0.25, 1.0))
                    failed = counter % fail_every == 0
                    team = _team(rng, run_id, protocol, n)
                    tokens = 150 * len(team) + int(rng.integers(0, 50))
                    runs.append({
                        "run_id": run_id, "task_id": task.task_id, "protocol": protocol,
                        "model": model, "n_agents": n, "replicate": 0, "assembly": "synthesize",
                        "shock": None, "shock_removed": [], "shock_substituted": [],
                        "shock_announcement": None,
                        "final_answer": None if failed else "x" * int(400 + 800 * true_q),
                        "n_active": n, "n_abstained": 0, "hierarchy_depth": 1,
                        "n_calls": len(team), "prompt_tokens": tokens - 50 * len(team),
                        "completion_tokens": 50 * len(team),
                        "cost_usd": tokens * 1e-5 if model == "closed" else 0.0,
                        "latency_s": 0.5 * len(team) + float(rng.random()),
                        "status": "failed" if failed else "ok",
                        "error": "provider timeout after 5 attempts" if failed else None})
                    turns.extend(team)
                    if not failed:
                        judgments.extend(_judgments(rng, run_id, true_q))
    return Tables(tasks, pd.DataFrame(runs), pd.DataFrame(turns), pd.DataFrame(judgments))


def test_synthetic_tables_pass_the_schema(tmp_path: Path) -> None:
    tables = synthetic_tables(per_level=2, ns=(4,))
    tables.write(tmp_path)
    for name in ("tasks", "runs", "turns", "judgments"):
        assert len(read_table(name, tmp_path / f"{name}.parquet")) == len(getattr(tables, name))


def test_synthetic_tables_carry_the_protocol_effect() -> None:
    runs = synthetic_tables().runs
    assert set(runs["protocol"]) == {"coordinator", "sequential", "single"}  # the default
    assert set(synthetic_tables(protocols=tuple(EFFECT), per_level=1).runs["protocol"]) == set(
        EFFECT)
    assert (runs["status"] == "failed").sum() > 0
    assert set(runs.loc[runs["protocol"] == "single", "n_agents"]) == {1}
