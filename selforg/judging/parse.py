"""Turn a judge's reply into a validated `Judgment`, or None when it cannot be trusted.

Judges without constrained decoding wrap JSON in prose or code fences, use single quotes,
leave trailing commas, write scores as "3" or "3/4", or run out of tokens inside the rationale.
All of that is repaired. What is never repaired is the content: a missing dimension or a score
outside 1-4 makes the whole reply unparseable (None), because guessing a score would invent
data. When a reply holds several JSON objects whose scores disagree, it is ambiguous: None.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from dataclasses import dataclass
from itertools import islice
from typing import Any

from selforg.judging.rubric import DIMENSIONS, SCORE_LEVELS, mission, quality

MAX_REPLY_CHARS = 20_000

_KEY_ALIASES = {
    "mission_relevance": "mission",
    "relevance": "mission",
    "reason": "rationale",
    "reasoning": "rationale",
    "justification": "rationale",
    "explanation": "rationale",
}
_SCORE_TEXT = re.compile(r"^\s*([0-9]+)(?:\.0*)?\s*(?:(?:/|out of)\s*4)?\s*$", re.IGNORECASE)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_BARE_KEY = re.compile(r"([{,]\s*)([A-Za-z_][A-Za-z0-9_ ]*?)\s*:")
_JSON_LITERALS = {"true": "True", "false": "False", "null": "None"}
_LITERAL_WORD = re.compile(r"\b(true|false|null)\b")
_KEYED_OPEN = re.compile(r"\{\s*[\"']")


@dataclass(frozen=True)
class Judgment:
    """One judge's scores (every dimension, each 1-4) and its short justification."""

    scores: dict[str, int]
    rationale: str

    @property
    def q(self) -> float:
        return quality(self.scores)

    @property
    def m(self) -> float:
        return mission(self.scores)


def _span_from(text: str, start: int) -> tuple[str, int]:
    """The brace-balanced, quote-aware object opening at text[start], and the index after it.

    An object still open at the end of the text is closed there: that rescues replies cut off
    by max_tokens inside the rationale, which the schema puts after the scores.
    """
    depth, quote, escaped = 0, "", False
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[start : i + 1], i + 1
    return text[start:] + quote + "}" * depth, len(text)


def _top_level_spans(text: str) -> list[str]:
    """Every outermost object in the text, in order."""
    spans = []
    start = text.find("{")
    while start != -1:
        span, end = _span_from(text, start)
        spans.append(span)
        start = text.find("{", end)
    return spans


def _keyed_spans(text: str) -> list[str]:
    """Objects opening with a quoted key, wherever they sit: the fallback when a stray "{" in
    the prose swallowed the real object into an unparseable outer span."""
    return [_span_from(text, m.start())[0] for m in islice(_KEYED_OPEN.finditer(text), 50)]


def _load(candidate: str) -> Any:
    """Parse JSON, else progressively repaired near-JSON; None when nothing works.

    strict=False lets raw newlines through inside strings: small judges write them in the
    rationale even under constrained decoding.
    """
    no_commas = _TRAILING_COMMA.sub(r"\1", candidate)
    quoted_keys = _BARE_KEY.sub(lambda m: f'{m.group(1)}"{m.group(2).strip()}":', no_commas)
    attempts = (
        lambda: json.loads(candidate, strict=False),
        lambda: json.loads(no_commas, strict=False),
        lambda: json.loads(quoted_keys, strict=False),
        lambda: ast.literal_eval(candidate),
        lambda: ast.literal_eval(
            _LITERAL_WORD.sub(lambda m: _JSON_LITERALS[m.group()], quoted_keys)
        ),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        for attempt in attempts:
            try:
                return attempt()
            except Exception:  # any parser failure just means: try the next repair
                continue
    return None


def _normal_key(key: object) -> str:
    text = re.sub(r"[^a-z0-9]+", "_", str(key).lower()).strip("_")
    return _KEY_ALIASES.get(text, text)


def _score(value: object) -> int | None:
    """An integer 1-4 from 3, 3.0, "3", "3/4" or "3 out of 4"; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and (match := _SCORE_TEXT.match(value)):
        value = int(match.group(1))
    return value if isinstance(value, int) and value in SCORE_LEVELS else None


def _judgment(obj: Any) -> Judgment | None:
    """Validate one parsed object; a nested {"scores": {...}} block is accepted too."""
    if not isinstance(obj, dict):
        return None
    flat = {_normal_key(k): v for k, v in obj.items()}
    if isinstance(flat.get("scores"), dict):
        flat = {**flat, **{_normal_key(k): v for k, v in flat["scores"].items()}}
    scores = {dim: _score(flat.get(dim)) for dim in DIMENSIONS}
    valid = {dim: s for dim, s in scores.items() if s is not None}
    if len(valid) != len(DIMENSIONS):
        return None
    rationale = flat.get("rationale")
    return Judgment(scores=valid, rationale="" if rationale is None else str(rationale).strip())


def _judgments(spans: list[str]) -> list[Judgment]:
    return [j for span in spans if (j := _judgment(_load(span)))]


def parse_judgment(text: str) -> Judgment | None:
    """The judgment in a judge's reply, or None when it is missing, incomplete or ambiguous.

    Never raises: an unparseable reply is recorded as a failed judgment, not a crash.
    """
    if not isinstance(text, str):
        return None
    text = text[:MAX_REPLY_CHARS]
    found = _judgments(_top_level_spans(text)) or _judgments(_keyed_spans(text))
    if not found or any(j.scores != found[0].scores for j in found):
        return None
    return found[0]
