"""Running the judge panel over finished runs: the library behind the judge stage.

Each ok run is judged by every judge model, `samples` times each, with a distinct seed and
replicate index per sample so repeated samples are independent (and cached independently).
The judge sees the task and the final answer only (selforg.judging.prompt); for a run under a
priority-shift shock the task is the updated one, with the announcement the agents were given
after the shock (`runs.shock_announcement`). An unparseable judgment is asked again (a new
seed) up to `PARSE_ATTEMPTS` times, then recorded as failed. Verifiable tasks also get the
code checker's verdict beside the judge's scores: correct, wrong or undecidable
(verified_correct null), with what it read (the verdict column); except runs with an
announcement: the checker knows the original task only, and an announced change may move the
truth. Each judgment's messages go to a `PromptLog` (the judge_prompts table), once with the
seed of every attempt, since a retry re-sends the same messages.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from selforg.config import ModelSpec, StudyConfig
from selforg.judging.parse import parse_judgment
from selforg.judging.prompt import JUDGMENT_SCHEMA, build_judge_messages
from selforg.judging.rubric import DIMENSIONS, mission, quality
from selforg.llm.gateway import Gateway
from selforg.prompt_log import PromptLog
from selforg.seeds import stable_seed
from selforg.tasks import check_answer
from selforg.tasks.announcements import updated_task

PARSE_ATTEMPTS = 3


@dataclass(frozen=True)
class JudgeJob:
    """One judgment to make: a run's answer to a task, by one judge, sample k."""

    run_id: str
    task_prompt: str
    answer: str
    reference: str | None
    judge: ModelSpec
    sample: int


def jobs_for(cfg: StudyConfig, runs: Sequence[dict[str, Any]],
             tasks: dict[str, dict[str, Any]]) -> list[JudgeJob]:
    """All judgments of the study: ok runs x judges x samples, in a fixed order."""
    jobs: list[JudgeJob] = []
    for run in runs:
        if run["status"] != "ok":
            continue
        task = tasks[run["task_id"]]
        announced = run.get("shock_announcement")
        announced = announced if isinstance(announced, str) and announced else None
        prompt = updated_task(task["prompt"], announced)
        # the checker knows the original task only: an announced change may move the truth
        reference = task["reference"] if task["verifiable"] and announced is None else None
        for judge in cfg.judge_models:
            jobs.extend(JudgeJob(run["run_id"], prompt, run["final_answer"] or "",
                                 reference, judge, sample)
                        for sample in range(cfg.judges.samples))
    return jobs


def _seed(job: JudgeJob, attempt: int) -> int:
    return stable_seed("judge", job.run_id, job.judge.name, job.sample, attempt)


async def judge_one(job: JudgeJob, gateway: Gateway, cfg: StudyConfig,
                    prompt_log: PromptLog | None = None) -> dict[str, Any]:
    messages = build_judge_messages(job.task_prompt, job.answer)
    seeds: list[int] = []
    tokens = [0, 0]
    cost = 0.0
    cached = True
    error: str | None = None
    judgment = None
    mode: str | None = None
    for attempt in range(PARSE_ATTEMPTS):
        seeds.append(_seed(job, attempt))
        result = await gateway.complete(
            job.judge, messages, max_tokens=cfg.judges.max_tokens,
            temperature=cfg.judges.temperature, json_schema=JUDGMENT_SCHEMA,
            replicate=job.sample, seed=seeds[-1])
        tokens[0] += result.prompt_tokens
        tokens[1] += result.completion_tokens
        cost += result.cost_usd
        cached = cached and result.cached
        mode = result.structured_output
        if result.error is not None:
            error = result.error
            break
        judgment = parse_judgment(result.text or "")
        if judgment is not None:
            break
        error = f"unparseable judgment after {attempt + 1} attempt(s): {(result.text or '')[:200]}"
    if prompt_log is not None:
        prompt_log.record({"run_id": job.run_id, "judge_model": job.judge.name,
                           "sample": job.sample}, messages, json_schema=JUDGMENT_SCHEMA,
                          max_tokens=cfg.judges.max_tokens,
                          temperature=cfg.judges.temperature, seeds=seeds)
    scores: dict[str, int | None] = dict.fromkeys(DIMENSIONS)
    if judgment is not None:
        scores.update(judgment.scores)
        error = None
    ok = judgment is not None
    verdict = check_answer(job.reference, job.answer) if job.reference is not None else None
    return {
        "run_id": job.run_id, "judge_model": job.judge.name, "sample": job.sample,
        **scores,
        "q": quality(judgment.scores) if judgment else None,
        "m": mission(judgment.scores) if judgment else None,
        "rationale": judgment.rationale if judgment else None,
        "verified_correct": None if verdict is None else verdict.correct,
        "verdict": None if verdict is None else str(verdict),
        "prompt_tokens": tokens[0], "completion_tokens": tokens[1], "cost_usd": cost,
        "cached": cached, "status": "ok" if ok else "failed", "error": error,
        "structured_output": mode,
    }


async def judge_all(cfg: StudyConfig, jobs: Sequence[JudgeJob], gateway: Gateway,
                    on_done: Callable[[dict[str, Any]], None] = lambda _: None,
                    prompt_log: PromptLog | None = None) -> list[dict[str, Any]]:
    """Judge everything concurrently (bounded per judge model by the gateway); each
    judgment's messages go to `prompt_log` when one is given."""
    async def one(job: JudgeJob) -> dict[str, Any]:
        row = await judge_one(job, gateway, cfg, prompt_log)
        on_done(row)
        return row

    rows = await asyncio.gather(*(one(j) for j in jobs))
    return sorted(rows, key=lambda r: (r["run_id"], r["judge_model"], r["sample"]))
