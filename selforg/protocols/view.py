"""Fitting other agents' work into a per-call token budget (docs/study.md section 2, "Context
budget").

With 256 agents a prompt that quoted every earlier contribution would grow without bound. The
view keeps the full text of the most recent items while they fit, a one-line digest (role plus
first sentence) of older ones while those fit, and a count of what is left out.

The budget is counted in the tokens of the model that will read the view (`ContextBudget`
holds the count function; selforg/llm/tokens.py supplies it). A character estimate is not
enough: SmolLM2's own replies tokenize at about 2 characters per token, so views fitted at
4 characters per token came out twice their budget. Every rendered view is counted whole
before it is returned, so the bound holds even where a tokenizer counts a joined text
differently from its parts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from selforg.llm.tokens import TokenCount

DIGEST_CHARS = 120
NOTE_TOKENS = 48  # tokens kept free for the "(... omitted for length ...)" line
ELLIPSIS = "..."
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


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
            first = first[: DIGEST_CHARS - 3].rstrip() + ELLIPSIS
        return f"[agent {self.agent} | {self.role or 'no role'}] {first}"


class Viewable(Protocol):
    """Anything a view can show in full or as a digest: agents' work, an artifact's sections."""

    @property
    def role(self) -> str: ...

    def full(self) -> str: ...

    def digest(self) -> str: ...


def _omitted_note(items: Sequence[Viewable], cut: int, omitted: str) -> str:
    roles = Counter(i.role or "no role" for i in items[:cut]).most_common(5)
    summary = ", ".join(f"{r} x{c}" for r, c in roles)
    return f"({cut} {omitted} omitted for length; roles: {summary})"


@dataclass(frozen=True)
class ContextBudget:
    """A per-call budget for what an agent sees, in the tokens of the model that reads it."""

    tokens: int
    count: TokenCount

    def fits(self, text: str, tokens: int | None = None) -> bool:
        return self.count(text) <= (self.tokens if tokens is None else tokens)

    def fit_view(self, items: Sequence[Viewable], omitted: str = "earlier contributions") -> str:
        """Render items (oldest first) within the budget, favouring the most recent in full.

        `omitted` names what the count line leaves out ("earlier contributions", "sections").
        """
        if not items:
            return ""
        limit = self.tokens - NOTE_TOKENS
        chosen: list[str] = []  # newest first
        used = 0
        full_phase = True
        for idx in range(len(items) - 1, -1, -1):
            text = items[idx].full() if full_phase else items[idx].digest()
            cost = self.count(text) + 1
            if full_phase and used + cost > limit:
                full_phase = False
                text = items[idx].digest()
                cost = self.count(text) + 1
            if used + cost > limit:
                break
            chosen.append(text)
            used += cost
        while True:
            cut = len(items) - len(chosen)
            lines = list(reversed(chosen))
            if cut > 0:
                lines.insert(0, self.clip(_omitted_note(items, cut, omitted), NOTE_TOKENS))
            view = "\n".join(lines)
            if not chosen or self.fits(view):
                return view
            chosen.pop()

    def fit_lines(self, lines: Sequence[str], omitted: str = "lines") -> str:
        """Keep lines in order (most important first) while they fit, then count the rest.

        For views that are lists of facts rather than work (role counts, memories): the caller
        orders them by importance, and what does not fit is counted, never silently cut.
        """
        limit = self.tokens - NOTE_TOKENS
        kept = 0
        used = 0
        for line in lines:
            cost = self.count(line) + 1
            if used + cost > limit:
                break
            kept += 1
            used += cost
        while True:
            shown = list(lines[:kept])
            if kept < len(lines):
                shown.append(self.clip(f"({len(lines) - kept} more {omitted} omitted for length)",
                                       NOTE_TOKENS))
            view = "\n".join(shown)
            if kept == 0 or self.fits(view):
                return view
            kept -= 1

    def clip(self, text: str, tokens: int | None = None) -> str:
        """One text cut to `tokens` (default: the whole budget), marked with an ellipsis.

        For a view of a single piece of work: a draft, a subtask, a heading line.
        """
        limit = self.tokens if tokens is None else tokens
        if self.fits(text, limit):
            return text
        low, high = 0, len(text)  # the longest prefix that fits lies in [low, high)
        while high - low > 1:
            mid = (low + high) // 2
            if self.fits(text[:mid].rstrip() + ELLIPSIS, limit):
                low = mid
            else:
                high = mid
        return text[:low].rstrip() + ELLIPSIS
