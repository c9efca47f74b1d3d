"""What a template returns before the generator gives it an id and a seed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Draft:
    """A task's content; `reference` is the ground truth of verifiable tasks (None otherwise)."""

    title: str
    prompt: str
    domains: tuple[str, ...]
    steps: int
    stakeholders: tuple[str, ...] = ()
    reference: dict[str, object] | None = None
