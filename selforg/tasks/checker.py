"""Decide whether a final answer is right, from a verifiable task's JSON reference.

Agents are told the exact format, but models (small ones especially) drift: bold markers,
"Final answer =", "$48,210.50", "48 210", "48.2k", or no marker at all. The checker is
tolerant of all of these, because the point is to test the judge against the truth, not to
grade typography:

- numbers (cost, allocation): the first number after the last `ANSWER` marker that has one,
  else the last number in the text; commas, spaces as thousands separators, `$`, and k / m /
  bn suffixes are understood; within the reference's relative tolerance (0.5%).
- schedules: the labels after the last marker (continuing over following lines until all
  are seen), else the last line or block of lines that names every label; repeats after the
  first mention are ignored (explanations such as "T3, which needs T1"); the order must hold
  every label once and satisfy every rule.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from itertools import pairwise

from selforg.errors import SelforgError
from selforg.tasks.problems import KINDS, schedule_violations

_MARKER = re.compile(r"\banswer\b[\s*_`'\"]*(?:[:=]|-+>?|[–—]|\bis\b)", re.IGNORECASE)
_NUMBER = re.compile(
    r"(?<![\w.])(?P<sign>[-−])?\$?\s?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?"
    r"(?:\s?(?P<suffix>k|thousand|m|mn|million|bn|billion)\b)?",
    re.IGNORECASE,
)
_SPACE_GROUPS = re.compile(r"(?<=\d)[ \u00a0\u202f\u2009](?=\d{3}(?!\d))")
_LABEL = re.compile(r"\bT\s?-?(\d{1,3})\b", re.IGNORECASE)
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}


def _number(match: re.Match[str]) -> float:
    value = float(match["int"].replace(",", "") + (match["frac"] or ""))
    value *= _SCALE.get((match["suffix"] or "").lower(), 1.0)
    return -value if match["sign"] else value


def _after_markers(text: str) -> list[str]:
    """The text between each ANSWER marker and the next one, last marker first."""
    marks = list(_MARKER.finditer(text))
    segments = [text[a.end() : b.start()] for a, b in pairwise(marks)]
    if marks:
        segments.append(text[marks[-1].end() :])
    return segments[::-1]


def final_number(answer: str) -> float | None:
    """The number an answer states as final, or None if it states none."""
    for segment in _after_markers(answer):
        first = _NUMBER.search(_SPACE_GROUPS.sub("", segment))
        if first:
            return _number(first)
    every = list(_NUMBER.finditer(answer))
    return _number(every[-1]) if every else None


def _labels_in(text: str, wanted: set[str]) -> list[str]:
    """Known labels in order of first mention, normalised to 'T<n>'."""
    seen: list[str] = []
    for m in _LABEL.finditer(text):
        label = f"T{int(m[1])}"
        if label in wanted and label not in seen:
            seen.append(label)
    return seen


def _marked_order(segment: str, wanted: set[str]) -> list[str] | None:
    """Labels from the marker on, over following lines until every label has been named."""
    kept: list[str] = []
    seen: set[str] = set()
    for line in segment.splitlines():
        found = _labels_in(line, wanted)
        if seen and not found:
            return None
        kept.append(line)
        seen.update(found)
        if seen == wanted:
            return _labels_in("\n".join(kept), wanted)
    return None


def _last_order(lines: list[str], wanted: set[str]) -> list[str] | None:
    """The lowest run of label-bearing lines that, read upwards from its bottom, names every
    label (a one-line list or a numbered list without a marker)."""
    end = len(lines)
    while end > 0:
        start, seen = end, set()
        while start > 0 and (found := _labels_in(lines[start - 1], wanted)):
            start -= 1
            seen.update(found)
            if seen == wanted:
                return _labels_in("\n".join(lines[start:end]), wanted)
        end = start - 1
    return None


def final_order(answer: str, labels: list[str]) -> list[str] | None:
    """The activity order an answer states as final, or None if none names every label."""
    wanted = set(labels)
    for segment in _after_markers(answer):
        order = _marked_order(segment, wanted)
        if order is not None:
            return order
    return _last_order(answer.splitlines(), wanted)


def _bad_reference(problem: str) -> SelforgError:
    return SelforgError(
        f"task reference is malformed: {problem}",
        "regenerate the tasks table with selforg.tasks.generate_tasks; do not edit references",
    )


def _check_number(reference: dict[str, object], answer: str) -> bool:
    truth = reference.get("answer")
    tolerance = reference.get("tolerance", 0.005)
    if not isinstance(truth, int | float) or not isinstance(tolerance, int | float):
        raise _bad_reference("'answer' and 'tolerance' must be numbers")
    value = final_number(answer)
    return value is not None and math.isclose(value, truth, rel_tol=tolerance, abs_tol=1e-9)


def _pairs(reference: dict[str, object], name: str, labels: list[str]) -> list[list[str]]:
    pairs = reference.get(name, [])
    if not isinstance(pairs, list) or not all(
        isinstance(p, list) and len(p) == 2 and set(p) <= set(labels) for p in pairs
    ):
        raise _bad_reference(f"'{name}' must be a list of label pairs")
    return pairs


def _check_schedule(reference: dict[str, object], answer: str) -> bool:
    labels = reference.get("labels")
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise _bad_reference("'labels' must be a list of strings")
    before = _pairs(reference, "before", labels)
    adjacent = _pairs(reference, "immediately_after", labels)
    order = final_order(answer, labels)
    return order is not None and not schedule_violations(order, labels, before, adjacent)


_CHECKERS: dict[str, Callable[[dict[str, object], str], bool]] = {
    "cost": _check_number,
    "allocation": _check_number,
    "schedule": _check_schedule,
}


def check_answer(reference: str, answer: str | None) -> bool:
    """True when `answer` states the reference's ground truth; a missing answer is wrong.

    `reference` is `Task.reference`, the JSON text with a "kind" field. A reference that is not
    such JSON raises SelforgError (a corrupt tasks table, not a wrong answer).
    """
    try:
        parsed = json.loads(reference)
    except (TypeError, ValueError):
        raise _bad_reference("it is not JSON text") from None
    if not isinstance(parsed, dict) or parsed.get("kind") not in _CHECKERS:
        raise _bad_reference(f"its 'kind' must be one of {', '.join(KINDS)}")
    if not answer:
        return False
    return _CHECKERS[parsed["kind"]](parsed, answer)
