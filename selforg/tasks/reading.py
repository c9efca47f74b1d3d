"""Reading a team's final answer: where it states its result, and what counts as a hedge.

Shared by the three checkers (selforg.tasks.check_cost, check_allocation, check_schedule). The
rules, documented in docs/tasks.md:

- A *marker* is "ANSWER:" (any case, any markup: "**Answer:**", "Final answer =", "answer ->",
  "the answer is $X") or a line that holds only "Answer" / "Final answer" (a heading). A marker
  qualified as not final ("draft answer:", "part 1 answer:") or echoing the format
  ("ANSWER: <number>") is not one. A marker's *segment* runs to the next marker; a heading's
  ends at the next heading.
- A *unit* is a line, or a sentence within a line; a *clause* is a unit split further at ";",
  "but", "while" and brackets.
- An *alternative cue* ("or", "alternatively", "otherwise", "if", "instead", ...) introduces
  another answer; an answer that states two different final values is a hedge, and wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MARKUP = re.compile(r"\*\*|__|`")
_WORD = re.compile(r"\b(final\s+)?answer\b", re.IGNORECASE)
_INLINE = re.compile(r"[ \t]*(?:\([^()\n]{0,40}\))?[ \t]*(?::|=>?|-+>|->|→|[-–—](?!\w))")
_IS = re.compile(r"[ \t]+is\b[ \t]*:?(?=[ \t]*(?:[$€\d(\[]|[TP][ -]?\d))", re.IGNORECASE)
_HEADING_LINE = re.compile(r"^[ \t#>*\-•]*(?:final\s+)?answer[ \t]*:?[ \t*#]*$", re.IGNORECASE)
_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]", re.MULTILINE)
_NOT_FINAL = re.compile(
    r"(?:\b(?:draft|initial|preliminary|previous|earlier|old|wrong|incorrect|example|sample|"
    r"expected|required|format|partial|interim|tentative|rough|candidate|first|my\s+first)"
    r"|\b(?:part|phase|step|stage|option|question|agent)\s*\d+)[\s:,-]*$",
    re.IGNORECASE,
)
ALTERNATIVE = re.compile(
    r"\b(?:or|alternatively|alternative|otherwise|if|unless|instead|either|else)\b",
    re.IGNORECASE,
)
REFUSAL = re.compile(
    r"\b(?:cannot|can't|can\s+not|unable\s+to|not\s+possible|impossible|insufficient|"
    r"not\s+enough\s+information|need\s+more\s+information|do\s+not\s+know|don't\s+know|"
    r"decline|refuse)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[)\]\"']*\s+(?=[\"'(\[]?[A-Z$€\d])")
_ABBREVIATIONS = ("e.g.", "i.e.", "approx.", "vs.", "etc.", "no.", "incl.", "excl.")


def clean(text: str) -> str:
    """Markup that hides words and numbers from the rules below removed: bold, code ticks,
    quote marks at line starts, Windows line ends, the Unicode minus."""
    text = text.replace("\r\n", "\n").replace("\u2212", "-").replace("\u00a0", " ")
    text = _MARKUP.sub("", text)
    return re.sub(r"(?m)^[ \t]*>[ \t]?", "", text)


@dataclass(frozen=True)
class Segment:
    """The text a marker introduces: `text[start:end]` of the cleaned answer."""

    start: int
    end: int
    heading: bool


def _marker_end(text: str, match: re.Match[str]) -> tuple[int, bool] | None:
    """Where a marker's statement starts and whether it is a heading, or None if the word
    "answer" here is not a marker."""
    line_start = text.rfind("\n", 0, match.start()) + 1
    line_end = text.find("\n", match.end())
    line_end = len(text) if line_end < 0 else line_end
    if _NOT_FINAL.search(text[line_start : match.start()]):
        return None
    if _HEADING_LINE.match(text[line_start:line_end]):
        return line_end, True
    follow = _INLINE.match(text, match.end()) or _IS.match(text, match.end())
    if follow is None:
        return None
    if text[follow.end() :].lstrip(" \t").startswith("<"):
        return None  # the format echoed: "ANSWER: <number>"
    return follow.end(), False


def segments(text: str) -> list[Segment]:
    """Every marker's segment, in order of appearance."""
    marks = [(m.start(), *after) for m in _WORD.finditer(text)
             if (after := _marker_end(text, m)) is not None]
    found = []
    for i, (_, start, heading) in enumerate(marks):
        stop = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        if heading:
            later = _HEADING.search(text, start)
            stop = min(stop, later.start()) if later else stop
        found.append(Segment(start, stop, heading))
    return found


def units(text: str, offset: int = 0) -> list[tuple[int, str]]:
    """Lines split into sentences, with their offsets; empty ones dropped."""
    found: list[tuple[int, str]] = []
    position = 0
    for line in text.split("\n"):
        start = 0
        for match in _SENTENCE_END.finditer(line):
            if line[: match.start()].lower().endswith(_ABBREVIATIONS):
                continue
            found.append((offset + position + start, line[start : match.start()]))
            start = match.end()
        found.append((offset + position + start, line[start:]))
        position += len(line) + 1
    return [(at, unit) for at, unit in found if unit.strip()]


def brackets(text: str) -> list[str]:
    """The contents of the outermost bracketed asides of `text`."""
    found: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch in "([":
            if depth == 0:
                start = i + 1
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
            if depth == 0:
                found.append(text[start:i])
    return found


def clauses(unit: str) -> list[str]:
    """A unit split at ';', 'but', 'while', 'whereas', with its bracketed asides taken out as
    clauses of their own (the text around an aside stays one clause)."""
    outer = re.split(r";|\bbut\b|\bwhile\b|\bwhereas\b", without_brackets(unit),
                     flags=re.IGNORECASE)
    return [p for p in [*outer, *brackets(unit)] if p.strip()]


def without_brackets(text: str) -> str:
    """`text` with bracketed asides blanked out (same length, so offsets still hold)."""
    out = list(text)
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        if depth:
            out[i] = " "
        if ch in ")]" and depth:
            depth -= 1
    return "".join(out)
