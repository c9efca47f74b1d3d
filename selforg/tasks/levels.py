"""The four complexity levels of docs/study.md section 3, as numbers the generator obeys.

docs/study.md fixes L1-L3 and leaves L4's size open; L4 uses L3's 10-20 steps and adds 3-5
stakeholders, because conflict and missing information make a task harder without making it
longer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LevelSpec:
    """Inclusive ranges a task of this level must fall in."""

    name: str
    domains: tuple[int, int]
    steps: tuple[int, int]
    stakeholders: tuple[int, int]
    summary: str


LEVEL_SPECS: dict[str, LevelSpec] = {
    "L1": LevelSpec("L1", (1, 1), (3, 5), (0, 0), "one domain, 3-5 independent steps"),
    "L2": LevelSpec("L2", (2, 2), (5, 10), (0, 0), "two domains, 5-10 steps, integration"),
    "L3": LevelSpec("L3", (3, 4), (10, 20), (0, 0), "3+ domains, 10-20 steps, dependent phases"),
    "L4": LevelSpec(
        "L4",
        (3, 4),
        (10, 20),
        (3, 5),
        "3+ domains, conflicting stakeholders, withheld information, no single right answer",
    ),
}

LEVELS: tuple[str, ...] = ("L1", "L2", "L3", "L4")
