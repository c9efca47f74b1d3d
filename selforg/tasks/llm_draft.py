"""LLM-drafted task wording (`tasks.generator: llm`).

The templates still decide everything that matters for the study's design: level, domains,
step count, stakeholders and, for verifiable tasks, the numbers and the ground truth. A model
then rewrites the prompt of each *open* task in its own words, so the task set is less
template-shaped; verifiable tasks keep their template text, because their ground truth is
computed from it. Every draft goes through the gateway (cached like any call, budgeted), and
is kept only if it passes validation: non-empty, at most MAX_WORDS words, mentions every
stakeholder by name, and is not a near-duplicate (word 5-shingle Jaccard >= 0.5) of another
prompt of its level. A rejected draft falls back to
the template prompt, and the stage reports how many were kept.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence

from selforg.config import ModelSpec
from selforg.llm.gateway import Gateway
from selforg.seeds import stable_seed
from selforg.tasks.generator import MAX_WORDS, Task
from selforg.tasks.text import similarity, word_count

NEAR_DUPLICATE = 0.5
DRAFT_MAX_TOKENS = 400
SYSTEM = (
    "You rewrite work assignments. Keep every fact, figure, name, constraint and the stated "
    "deliverable of the assignment below; change only the wording. Reply with the rewritten "
    "assignment only, in at most 150 words."
)


def valid_draft(draft: str, template: Task) -> bool:
    """Whether a model's rewrite may replace the template prompt (see module docstring)."""
    text = draft.strip()
    if not text or word_count(text) > MAX_WORDS:
        return False
    lower = text.lower()
    return all(s.lower() in lower for s in template.stakeholders)


def _seed(task: Task) -> int:
    return stable_seed("draft", task.task_id)


async def _draft(task: Task, gateway: Gateway, spec: ModelSpec) -> str | None:
    messages = [{"role": "system", "content": SYSTEM},
                {"role": "user", "content": task.prompt}]
    result = await gateway.complete(spec, messages, max_tokens=DRAFT_MAX_TOKENS,
                                    temperature=0.7, seed=_seed(task))
    return result.text if result.error is None else None


async def redraft(tasks: Sequence[Task], gateway: Gateway, spec: ModelSpec) -> list[Task]:
    """The tasks with open tasks' prompts rewritten where the draft is valid and distinct."""
    open_tasks = [t for t in tasks if not t.verifiable]
    drafts = await asyncio.gather(*(_draft(t, gateway, spec) for t in open_tasks))
    drafted = dict(zip((t.task_id for t in open_tasks), drafts, strict=True))
    out: list[Task] = []
    for task in tasks:
        text = drafted.get(task.task_id)
        peers = [t.prompt for t in out if t.level == task.level]
        if (text is not None and valid_draft(text, task)
                and all(similarity(text, p) < NEAR_DUPLICATE for p in peers)):
            out.append(dataclasses.replace(task, prompt=text.strip()))
        else:
            out.append(task)
    return out
