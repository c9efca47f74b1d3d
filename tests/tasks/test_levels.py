"""Every task meets its level's definition (docs/study.md section 3), for fixed and random seeds."""

from __future__ import annotations

import json
import math
import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selforg.tasks import DOMAINS, KINDS, LEVELS, Task, generate_tasks
from selforg.tasks.levels import LEVEL_SPECS

_NO_SINGLE_ANSWER = re.compile(r"no single (right )?answer|none is simply right", re.IGNORECASE)
_WITHHELD = re.compile(r"withh(old|eld)", re.IGNORECASE)


@pytest.fixture(scope="module")
def default_tasks() -> list[Task]:
    """Seed 0, ten tasks per level: the set the near-duplicate requirement names."""
    return generate_tasks(seed=0, per_level=10)


def _stated_steps(task: Task) -> int:
    """The step count as the prompt itself spells it out."""
    kind = json.loads(task.reference)["kind"] if task.reference else None
    if kind == "cost":
        return int(re.search(r"\((\d+) steps\)", task.prompt)[1])  # type: ignore[index]
    if kind == "allocation":
        return len(re.findall(r"\(\$\d+k, \d+\)", task.prompt))
    if kind == "schedule":
        return len(set(re.findall(r"\bT\d+\b", task.prompt)))
    if task.level in ("L1", "L2"):
        return len(re.findall(r"\(\d+\) ", task.prompt))
    if task.level == "L3":
        return sum(int(n) for n in re.findall(r"\((\d+) steps", task.prompt))
    plan = re.search(
        r"(\d+) to map .*?, (\d+) to assess .*?, (\d+) to build options, 1 to", task.prompt
    )
    assert plan is not None, task.prompt
    return sum(int(n) for n in plan.groups()) + 1


def assert_valid(task: Task) -> None:
    spec = LEVEL_SPECS[task.level]
    assert spec.domains[0] <= len(task.domains) <= spec.domains[1], task.task_id
    assert len(set(task.domains)) == len(task.domains)
    assert set(task.domains) <= set(DOMAINS)
    assert spec.steps[0] <= task.steps <= spec.steps[1], task.task_id
    assert _stated_steps(task) == task.steps, task.prompt
    assert spec.stakeholders[0] <= len(task.stakeholders) <= spec.stakeholders[1]
    assert len(set(task.stakeholders)) == len(task.stakeholders)
    if task.level in ("L2", "L3", "L4"):
        assert all(d in task.prompt for d in task.domains), task.prompt
    if task.level == "L1" and not task.verifiable:
        assert re.search(r"independent|any order|none depends", task.prompt), task.prompt
    if task.level == "L3":
        assert "phase" in task.prompt, task.prompt
    if task.level == "L4":
        assert all(role in task.prompt for role in task.stakeholders), task.prompt
        assert _WITHHELD.search(task.prompt), task.prompt
        assert _NO_SINGLE_ANSWER.search(task.prompt), task.prompt


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_every_task_meets_its_level(seed: int) -> None:
    for task in generate_tasks(seed, 12):
        assert_valid(task)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=-(2**63), max_value=2**63 - 1), per_level=st.integers(1, 3))
def test_any_seed_yields_valid_tasks(seed: int, per_level: int) -> None:
    tasks = generate_tasks(seed, per_level)
    assert Counter(t.level for t in tasks) == dict.fromkeys(LEVELS, per_level)
    for task in tasks:
        assert_valid(task)


@pytest.mark.parametrize("per_level", [1, 3, 4, 10])
@pytest.mark.parametrize("share", [0.0, 0.25, 0.3, 0.5, 1.0])
def test_verifiable_share_per_level_rounds_up(per_level: int, share: float) -> None:
    tasks = generate_tasks(7, per_level, verifiable_share=share)
    expected = math.ceil(round(share * per_level, 9))
    for level in LEVELS:
        assert sum(t.verifiable for t in tasks if t.level == level) == expected


def test_default_share_gives_every_kind_on_every_level(default_tasks: list[Task]) -> None:
    for level in LEVELS:
        kinds = [
            json.loads(t.reference)["kind"]
            for t in default_tasks
            if t.level == level and t.reference
        ]
        assert len(kinds) == 3
        assert sorted(kinds) == sorted(KINDS)


def test_lead_domains_rotate_through_the_catalogue() -> None:
    tasks = generate_tasks(0, len(DOMAINS), levels=["L1"])
    assert {t.domains[0] for t in tasks} == set(DOMAINS)


def test_l4_stakeholders_are_three_to_five_with_a_spread() -> None:
    counts = Counter(len(t.stakeholders) for s in range(4) for t in generate_tasks(s, 10, ["L4"]))
    assert set(counts) <= {3, 4, 5}
    assert len(counts) >= 2
