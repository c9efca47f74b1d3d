"""The checker's three-valued verdict, and the error for a corrupt reference."""

from __future__ import annotations

from dataclasses import dataclass

from selforg.errors import SelforgError


@dataclass(frozen=True)
class Verdict:
    """`correct` is True, False, or None when the answer is undecidable; `reason` names what
    was read ("states $554,969.35; the truth is $554,969.35")."""

    correct: bool | None
    reason: str

    @property
    def status(self) -> str:
        return {True: "correct", False: "wrong", None: "undecidable"}[self.correct]

    def __str__(self) -> str:
        return f"{self.status}: {self.reason}"


def wrong(reason: str) -> Verdict:
    return Verdict(False, reason)


def undecidable(reason: str) -> Verdict:
    return Verdict(None, reason)


def bad_reference(problem: str) -> SelforgError:
    return SelforgError(
        f"task reference is malformed: {problem}",
        "regenerate the tasks table with selforg.tasks.generate_tasks; do not edit references",
    )
