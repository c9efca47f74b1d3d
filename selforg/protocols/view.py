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


def fit_view(items: Sequence[ViewItem], budget_tokens: int) -> str:
    """Render items (oldest first) within budget_tokens, favouring the most recent in full."""
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
        omitted = f"({cut} earlier contributions omitted for length; roles: {summary})"
        lines.insert(0, omitted[: OMITTED_RESERVE - 1])
    return "\n".join(lines)
