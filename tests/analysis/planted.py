"""A small simulator: studies in selforg's own table schema with effects planted, so the
analysis can be checked against known answers (tests/analysis/test_known_answers.py).

Each run's judged quality is drawn so that its expectation is known exactly: every judgment
scores each rubric dimension 1 + Binomial(3, pi), so E[Q] = 0.25 + 0.75 pi, with
pi = base(protocol, model) + u(task) - slope * log2(N / N0) + effect(cell) and u(task) uniform
on [-spread, spread]; pi stays inside [0, 1] (the parameters are chosen so), so nothing is
clipped and every mean, ratio and slope of Q has a closed form. Tokens are
c(task) x N^exponent x lognormal noise, so the cost exponent is known too.

Monte Carlo repetitions are packed into one set of tables so that one pass of the real
analysis serves them all: repetition r of a protocol comparison or a scaling fit is model
`m<r>` with tasks of its own (no task is shared between repetitions, so they are independent);
repetition r of a capability test is its own N with tasks of its own, since the capability
test pools models and runs once per N.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tests.analysis.test_aggregate_synthetic import QUALITY, Tables

DIMENSIONS = (*QUALITY, "mission")


def expected_q(pi: float | np.ndarray) -> float | np.ndarray:
    """E[Q] for per-dimension success probability pi: (4 + 4 x 3 pi) / 16."""
    return 0.25 + 0.75 * np.asarray(pi)


@dataclass(frozen=True)
class Cell:
    """Runs of one (model, protocol, N) on some tasks, and the success probability of each."""

    model: str
    protocol: str
    n_agents: int
    tasks: list[str]
    pi: np.ndarray


def _tasks(task_ids: list[str], level: str) -> pd.DataFrame:
    n = len(task_ids)
    return pd.DataFrame({
        "task_id": task_ids, "level": level, "domains": [["finance"]] * n,
        "title": task_ids, "prompt": [f"Solve {t}." for t in task_ids],
        "stakeholders": [[] for _ in range(n)], "steps": 4, "verifiable": False,
        "reference": None, "seed": 0})


def build(cells: list[Cell], levels: dict[str, str], rng: np.random.Generator,
          judges: int = 1, samples: int = 1, exponent: float = 0.5) -> Tables:
    """The four tables of the cells' runs: one agent turn per run, `judges` x `samples`
    judgments per run with binomial scores, tokens growing as N^exponent."""
    task_ids = sorted(levels)
    tasks = pd.concat([_tasks([t for t in task_ids if levels[t] == lv], lv)
                       for lv in sorted(set(levels.values()))], ignore_index=True)
    size = {t: float(np.exp(rng.normal(7, 0.3))) for t in task_ids}
    runs, pis = [], []
    for c in cells:
        for task, pi in zip(c.tasks, c.pi, strict=True):
            runs.append((f"{c.model}|{c.protocol}|{c.n_agents}|{task}", task, c.protocol,
                         c.model, c.n_agents, size[task]))
            pis.append(pi)
    frame = pd.DataFrame(runs, columns=["run_id", "task_id", "protocol", "model", "n_agents",
                                        "size"])
    pi = np.asarray(pis)
    if pi.min() < 0 or pi.max() > 1:
        raise ValueError("planted success probabilities must lie in [0, 1]")
    tokens = (frame["size"] * frame["n_agents"] ** exponent
              * rng.lognormal(0, 0.1, len(frame))).round().astype(int)
    runs_table = pd.DataFrame({
        "run_id": frame["run_id"], "task_id": frame["task_id"], "protocol": frame["protocol"],
        "model": frame["model"], "n_agents": frame["n_agents"], "replicate": 0,
        "assembly": "synthesize", "shock": None, "shock_removed": [[] for _ in runs],
        "shock_substituted": [[] for _ in runs], "shock_announcement": None,
        "final_answer": "an answer",
        "n_active": frame["n_agents"], "n_abstained": 0, "hierarchy_depth": 1, "n_calls": 2,
        "prompt_tokens": tokens - tokens // 5, "completion_tokens": tokens // 5,
        "cost_usd": 0.0, "latency_s": 1.0, "status": "ok", "error": None})
    turns = pd.DataFrame({
        "run_id": frame["run_id"], "agent": 0, "round": 0, "model": frame["model"],
        "role": "Analyst", "role_norm": "analyst", "abstain": False, "directed": False,
        "removed": False, "builds_on": [[] for _ in runs], "follows": None,
        "contribution": "text", "prompt_tokens": 100, "completion_tokens": 50,
        "budget_tokens": 900, "cost_usd": 0.0, "latency_s": 0.1, "cached": False,
        "parse_ok": True, "error": None, "structured_output": "json_object"})
    k = judges * samples
    run_index = np.repeat(np.arange(len(frame)), k)
    scores = {d: 1 + rng.binomial(3, pi[run_index]) for d in DIMENSIONS}
    judgments = pd.DataFrame({
        "run_id": frame["run_id"].to_numpy()[run_index],
        "judge_model": np.tile(np.repeat([f"judge-{j}" for j in range(judges)], samples),
                               len(frame)),
        "sample": np.tile(np.arange(samples), judges * len(frame)), **scores,
        "q": sum(scores[d] for d in QUALITY) / 16, "m": scores["mission"] / 4,
        "rationale": "planted", "verified_correct": None, "verdict": None, "prompt_tokens": 300,
        "completion_tokens": 40, "cost_usd": 0.0, "cached": False, "status": "ok",
        "error": None, "structured_output": "json_object"})
    return Tables(tasks, runs_table, turns, judgments)


def task_offsets(rng: np.random.Generator, n: int, spread: float) -> np.ndarray:
    """u(task): uniform on [-spread, spread], mean 0, so it leaves every expectation alone."""
    return rng.uniform(-spread, spread, size=n)


