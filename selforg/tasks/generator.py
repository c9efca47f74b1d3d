"""The seeded task generator: `generate_tasks(seed, per_level)` -> the study's task set.

Determinism: every random draw comes from a local `random.Random` seeded with a SHA-256 of
(seed, level, index, attempt), never the global RNG or the per-process salted `hash()`, so the
same arguments give the same tasks in every process. Each task has its own stream, so raising
`per_level` keeps the earlier tasks, except where the evenly spread verifiable slots move or a
newly added task makes a later one a near-duplicate that must be redrawn (rare).

Distinctness and length: a candidate whose prompt is a near-duplicate (Jaccard similarity of
word 5-shingles >= 0.5) of an earlier task of its level, or longer than MAX_WORDS (the small
local model must handle every prompt), is redrawn from the next attempt's stream. The check
stays within a level so that a level's tasks do not depend on which other levels are
requested (generate_tasks(s, n, ["L2"]) is exactly the L2 part of generate_tasks(s, n)); the
levels' templates differ too much for cross-level near-duplicates (worst measured: 0.11).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from selforg.errors import SelforgError
from selforg.schema import column_names
from selforg.tasks.catalogue import CATALOGUE
from selforg.tasks.domain import Domain
from selforg.tasks.draft import Draft
from selforg.tasks.levels import LEVEL_SPECS, LEVELS
from selforg.tasks.problems import KINDS
from selforg.tasks.templates import OPEN_BUILDERS
from selforg.tasks.text import shingles, word_count
from selforg.tasks.verifiable import build_verifiable

NEAR_DUPLICATE = 0.5
MAX_WORDS = 180
_MAX_ATTEMPTS = 50


@dataclass(frozen=True)
class Task:
    """One row of the tasks table (selforg.schema.TASKS)."""

    task_id: str
    level: str
    domains: tuple[str, ...]
    title: str
    prompt: str
    stakeholders: tuple[str, ...]
    steps: int
    verifiable: bool
    reference: str | None
    seed: int

    def as_row(self) -> dict[str, object]:
        """The row in schema column order; tuples become lists (DuckDB lists)."""
        row: dict[str, object] = {}
        for name in column_names("tasks"):
            value = getattr(self, name)
            row[name] = list(value) if isinstance(value, tuple) else value
        return row


def _rng(seed: int, *parts: object) -> random.Random:
    """A stream that depends only on its arguments, identical in every process."""
    key = "/".join(["selforg.tasks", str(seed), *map(str, parts)])
    return random.Random(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))


def _validate(seed: object, per_level: object, levels: object, share: object) -> None:
    problems: list[tuple[str, str]] = []
    if not isinstance(seed, int) or isinstance(seed, bool):
        problems.append((f"seed must be an integer, got {seed!r}", "pass e.g. seed=0"))
    if not isinstance(per_level, int) or isinstance(per_level, bool) or per_level < 1:
        problems.append(
            (f"per_level must be a positive integer, got {per_level!r}", "pass per_level >= 1")
        )
    if isinstance(levels, str) or not isinstance(levels, Sequence):
        problems.append(
            (f"levels must be a list of level names, got {levels!r}", f"pass e.g. {list(LEVELS)}")
        )
    else:
        unknown = [lv for lv in levels if lv not in LEVEL_SPECS]
        if unknown:
            problems.append(
                (f"unknown task level(s) {unknown}", f"use levels from {', '.join(LEVELS)}")
            )
        if not levels:
            problems.append(("levels is empty", f"pass at least one of {', '.join(LEVELS)}"))
        if len(set(levels)) != len(levels):
            problems.append((f"levels {list(levels)} repeat a level", "list each level once"))
    if (
        not isinstance(share, int | float)
        or isinstance(share, bool)
        or not 0.0 <= float(share) <= 1.0
    ):
        problems.append(
            (
                f"verifiable_share must be a number in [0, 1], got {share!r}",
                "pass a fraction such as 0.3 (30% of each level's tasks)",
            )
        )
    if problems:
        raise SelforgError(problems)


def _verifiable_kinds(level_rng: random.Random, per_level: int, share: float) -> list[str | None]:
    """The kind of each index of a level, None for open tasks: ceil(share * per_level) verifiable
    tasks at evenly spaced indices, cycling through KINDS from a seeded offset."""
    # The epsilon keeps 0.3 * 10 = 3.0000000000000004 from rounding up to 4.
    count = math.ceil(share * per_level - 1e-9)
    offset = level_rng.randrange(len(KINDS))
    kinds: list[str | None] = [None] * per_level
    for j in range(count):
        kinds[j * per_level // count] = KINDS[(j + offset) % len(KINDS)]
    return kinds


def _domains(rng: random.Random, level: str, lead: Domain) -> list[Domain]:
    low, high = LEVEL_SPECS[level].domains
    others = [d for d in CATALOGUE.values() if d is not lead]
    return [lead, *rng.sample(others, rng.randint(low, high) - 1)]


class _Distinctness:
    """Near-duplicate test against every accepted prompt of a level. Shingles are interned as
    ints, which makes the all-pairs comparison several times faster than tuples of words."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, ...], int] = {}
        self._accepted: list[set[int]] = []

    def encode(self, prompt: str) -> set[int]:
        return {self._ids.setdefault(s, len(self._ids)) for s in shingles(prompt)}

    def is_new(self, candidate: set[int]) -> bool:
        size = len(candidate)
        for other in self._accepted:
            shared = len(candidate & other)
            if shared >= NEAR_DUPLICATE * (size + len(other) - shared):
                return False
        return True

    def accept(self, candidate: set[int]) -> None:
        self._accepted.append(candidate)


def _task_id(seed: int, level: str, index: int, draft: Draft) -> str:
    content = json.dumps(
        [seed, level, index, draft.title, draft.prompt, draft.reference], sort_keys=True
    )
    return f"{level}-{index:03d}-{hashlib.sha256(content.encode()).hexdigest()[:4]}"


def _draw(
    seed: int, level: str, index: int, lead: Domain, kind: str | None, distinct: _Distinctness
) -> Draft:
    """The first draft from this task's streams that is short enough and not a near-duplicate."""
    for attempt in range(_MAX_ATTEMPTS):
        rng = _rng(seed, level, index, attempt)
        domains = _domains(rng, level, lead)
        if kind is None:
            draft = OPEN_BUILDERS[level](rng, domains)
        else:
            draft = build_verifiable(rng, domains, level, kind)
        candidate = distinct.encode(draft.prompt)
        if word_count(draft.prompt) <= MAX_WORDS and distinct.is_new(candidate):
            distinct.accept(candidate)
            return draft
    raise SelforgError(
        f"task {index} of {level} was too long or too close to earlier tasks in "
        f"{_MAX_ATTEMPTS} draws: the catalogue cannot supply this many distinct tasks",
        "lower per_level, or add domains or templates (docs/tasks.md)",
    )


def generate_tasks(
    seed: int,
    per_level: int,
    levels: Sequence[str] = LEVELS,
    verifiable_share: float = 0.3,
) -> list[Task]:
    """`per_level` tasks for each of `levels`, in that order; ceil(verifiable_share * per_level)
    of each level's tasks are verifiable, cycling through the three kinds.

    Lead domains rotate through a per-level shuffle of the catalogue, so a level's first 12
    tasks lead with 12 different domains. Raises SelforgError on bad arguments.
    """
    _validate(seed, per_level, levels, verifiable_share)
    tasks: list[Task] = []
    for level in levels:
        distinct = _Distinctness()
        level_rng = _rng(seed, level, "plan")
        leads = level_rng.sample(list(CATALOGUE.values()), len(CATALOGUE))
        kinds = _verifiable_kinds(level_rng, per_level, verifiable_share)
        for index, kind in enumerate(kinds):
            draft = _draw(seed, level, index, leads[index % len(leads)], kind, distinct)
            reference = (
                None if draft.reference is None else json.dumps(draft.reference, sort_keys=True)
            )
            tasks.append(
                Task(
                    task_id=_task_id(seed, level, index, draft),
                    level=level,
                    domains=draft.domains,
                    title=draft.title,
                    prompt=draft.prompt,
                    stakeholders=draft.stakeholders,
                    steps=draft.steps,
                    verifiable=reference is not None,
                    reference=reference,
                    seed=seed,
                )
            )
    return tasks
