"""Fitting other agents' work into a per-call token budget (STUDY.md section 2, context budget).

With 256 agents a prompt that quoted every earlier contribution would grow without bound. The
view keeps the full text of the most recent items while they fit, a one-line digest (role plus
first sentence) of older ones while those fit, and a count of what is left out. Token counts
are estimated as ceil(characters / 4), the usual ratio for English text; the provider's real
prompt_tokens are recorded per call so the bound can be checked (bench and tests do).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

CHARS_PER_TOKEN = 4
DIGEST_CHARS = 120
OMITTED_RESERVE = 160  # characters kept free for the "... omitted" line
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def approx_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@dataclass(frozen=True)
class ViewItem:
    """One piece of another agent's work as a prompt may show it."""

    agent: int
    role: str
    text: str

    def full(self) -> str:
        return f"[agent {self.agent} | {self.role or 'no role'}]\n{self.text}"

    def digest(self) -> str:
        first = _SENTENCE_END.split(self.text.strip(), maxsplit=1)[0]
        if len(first) > DIGEST_CHARS:
            first = first[: DIGEST_CHARS - 3].rstrip() + "..."
        return f"[agent {self.agent} | {self.role or 'no role'}] {first}"


class Viewable(Protocol):
    """Anything a view can show in full or as a digest: agents' work, an artifact's sections."""

    @property
    def role(self) -> str: ...

    def full(self) -> str: ...

    def digest(self) -> str: ...


def fit_view(items: Sequence[Viewable], budget_tokens: int,
             omitted: str = "earlier contributions") -> str:
    """Render items (oldest first) within budget_tokens, favouring the most recent in full.

    `omitted` names what the count line leaves out ("earlier contributions", "sections").
    """
    if not items:
        return ""
    limit = budget_tokens * CHARS_PER_TOKEN - OMITTED_RESERVE
    chosen: list[str] = []
    used = 0
    full_phase = True
    cut = len(items)
    for idx in range(len(items) - 1, -1, -1):
        text = items[idx].full() if full_phase else items[idx].digest()
        if full_phase and used + len(text) + 1 > limit:
            full_phase = False
            text = items[idx].digest()
        if used + len(text) + 1 > limit:
            break
        chosen.append(text)
        used += len(text) + 1
        cut = idx
    lines = list(reversed(chosen))
    if cut > 0:
        roles = Counter(i.role or "no role" for i in items[:cut]).most_common(5)
        summary = ", ".join(f"{r} x{c}" for r, c in roles)
        note = f"({cut} {omitted} omitted for length; roles: {summary})"
        lines.insert(0, note[: OMITTED_RESERVE - 1])
    return "\n".join(lines)


def fit_lines(lines: Sequence[str], budget_tokens: int, omitted: str = "lines") -> str:
    """Keep lines in order (most important first) while they fit, then count the rest.

    For views that are lists of facts rather than work (role counts, memories): the caller
    orders them by importance, and what does not fit is counted, never silently cut.
    """
    limit = budget_tokens * CHARS_PER_TOKEN - OMITTED_RESERVE
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > limit:
            break
        kept.append(line)
        used += len(line) + 1
    if len(kept) < len(lines):
        kept.append(f"({len(lines) - len(kept)} more {omitted} omitted for length)"
                    [: OMITTED_RESERVE - 1])
    return "\n".join(kept)


def clip(text: str, budget_tokens: int) -> str:
    """One text cut to the budget (for a view of a single piece of work: a draft, a subtask)."""
    limit = budget_tokens * CHARS_PER_TOKEN
    if len(text) <= limit:
        return text
    return text[: limit - 3].rstrip() + "..."
