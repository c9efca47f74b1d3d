"""Which activity order an answer states, for schedule tasks.

Activities are named by label ("T3", "t-3", "T 3", "Task 3" when the answer uses no plain
labels) or by their name (articles optional, any case; the object alone, "the landing zone
design", when it has two words or more and no other activity shares it). The stated order is
read from the marker's statement: a one-line sequence ("T2, T1, T3", "T2 -> T1 -> T3", "T2
then T1", "T2 before T1 before T3", "T2 < T1 < T3") continuing over wrapped lines, or a list
or table with one activity per line (the first label of each item; bracketed asides
ignored). An element that names two
activities among other words ("T4 comes right after T7") ends the sequence: it explains, it
does not order. Without a marker, the lowest line or list that orders at least half of the
activities, each once, is the statement.

The answer is right only for a permutation of every label that satisfies every rule: a
repeated label (a loop "T1 -> T2 -> T1"), a missing or an unknown one is wrong. "T2 or T3",
"T2/T3" inside the order, a second marked order that differs, or an alternative after it
("Alternatively: T3, T2, ...", "T3 could also come before T4") make it a hedge.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from selforg.tasks.problems import schedule_violations
from selforg.tasks.reading import brackets, clean, segments, units, without_brackets
from selforg.tasks.verdict import Verdict, bad_reference, undecidable, wrong

_PLAIN = re.compile(r"\bT\s?[-#]?\s?0*(\d{1,3})\b", re.IGNORECASE)
_TASK = re.compile(r"\b(?:task|activity)\s?[-#]?\s?0*(\d{1,3})\b", re.IGNORECASE)
_LABEL = re.compile(r"\bT\d{1,3}\b")
_SEPARATOR = re.compile(
    r",|;|->|=>|→|⟶|⇒|>|<|\bthen\b|\band\b|&|\bbefore\b|\bfollowed\s+by\b|\n", re.IGNORECASE
)
_HEDGE_INSIDE = re.compile(r"\bor\b|/", re.IGNORECASE)
_ALTERNATIVE = re.compile(
    r"\b(?:alternatively|alternative|another\s+(?:valid\s+)?order|also\s+(?:valid|works|"
    r"possible|fine)|equally\s+valid|could\s+also|can\s+also|instead|swap(?:ped)?|"
    r"interchangeable|either\s+way)\b|^\W*or\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z]{2,}")
_PARTICLES = frozenset({"and", "or", "up", "out", "with", "to", "on", "in", "for", "off", "down"})


def normalise(text: str, labels: list[str], names: list[str]) -> str:
    """Activity names replaced by their labels; every label written "T<n>"."""
    pairs = sorted(zip(labels, names, strict=True), key=lambda p: -len(p[1]))
    for label, name in pairs:
        text = re.sub(_name_pattern(name.split()), label, text, flags=re.IGNORECASE)
    # "agree the demand forecast and the landing zone design": the object alone, when it is
    # two words or more and no other activity shares it.
    objects = [(label, _content(name.split()[1:])) for label, name in pairs]
    for label, words in objects:
        if len(words) >= 2 and words[0].lower() not in _PARTICLES \
                and sum(w == words for _, w in objects) == 1:
            text = re.sub(_name_pattern(words), label, text, flags=re.IGNORECASE)
    text = _PLAIN.sub(lambda m: f"T{int(m[1])}", text)
    if not _LABEL.search(text):
        text = _TASK.sub(lambda m: f"T{int(m[1])}", text)
    return text


def _content(words: list[str]) -> list[str]:
    return [w for w in words if w.lower() not in ("the", "a", "an")]


def _name_pattern(words: list[str]) -> str:
    """A name's words in order, articles optional, as a whole phrase."""
    body = r"\s+(?:(?:the|a|an)\s+)?".join(re.escape(w) for w in _content(words))
    return r"(?<![\w-])(?:(?:the|a|an)\s+)?" + body + r"(?![\w-])"


def _labels(text: str) -> list[str]:
    return _LABEL.findall(text)


def _dedupe(labels: list[str]) -> list[str]:
    """Consecutive mentions of one activity ("T3 T3" from a label and its name) once."""
    return [x for i, x in enumerate(labels) if i == 0 or labels[i - 1] != x]


@dataclass(frozen=True)
class Order:
    labels: tuple[str, ...]
    hedge: bool
    end: int


def _inline(line: str) -> tuple[list[str], bool]:
    """A one-line sequence and whether it hedges ("T2 or T3")."""
    plain = without_brackets(line)
    order: list[str] = []
    hedge = False
    for element in _SEPARATOR.split(plain):
        found = _dedupe(_labels(element))
        if not found:
            continue
        words = [w for w in _WORD.findall(element) if not _LABEL.fullmatch(w)]
        if len(set(found)) > 1 and len(words) > 1 and not _HEDGE_INSIDE.search(element):
            order.append(found[0])  # "T4 - T7 comes right after T8": T4 ends the list
            break
        if len(set(found)) > 1 and _HEDGE_INSIDE.search(element):
            hedge = True
        order += found
    return order, hedge


_LIST_ITEM = re.compile(r"^\s*(?:\d+[.):]|[-*•|]|step\s+\d+|\()", re.IGNORECASE)


def _read_lines(lines: list[str], wanted: int) -> tuple[list[str], bool]:
    """The order in `lines` from the first (label-bearing) one, and whether it hedges: a
    sequence (continued over wrapped lines) or a list (one activity per line, blank lines
    allowed between items that start with a list mark)."""
    first, hedge = _inline(lines[0])
    if len(first) >= 2:
        for line in lines[1:]:
            if len(first) >= wanted or not _labels(line):
                break
            more, more_hedge = _inline(line)
            first, hedge = first + more, hedge or more_hedge
        return first, hedge
    order = []
    marked = bool(_LIST_ITEM.match(lines[0]))
    gap = False
    for line in lines:
        if not line.strip():
            gap = True
            continue
        found = _labels(without_brackets(line))
        if not found or ((gap or marked) and not _LIST_ITEM.match(line)):
            break
        hedge = hedge or (len(set(found)) > 1 and bool(_HEDGE_INSIDE.search(line)))
        order.append(found[0])
        gap = False
    return order, hedge


def _marked(text: str, start: int, end: int, wanted: int) -> Order | None:
    lines = text[start:end].split("\n")
    skipped = 0
    for i, line in enumerate(lines):
        if _labels(line):
            order, hedge = _read_lines(lines[i:], wanted)
            consumed = start + sum(len(x) + 1 for x in lines[: i + 1])
            return Order(tuple(order), hedge, consumed)
        if line.strip():
            skipped += 1
            if skipped > 3:
                return None
    return None


def _unmarked(text: str, wanted: int) -> Order | None:
    """The lowest line or list that orders at least half of the activities, each once."""
    lines = text.split("\n")
    need = max(2, math.ceil(wanted / 2))
    i = len(lines) - 1
    while i >= 0:
        if not _labels(lines[i]):
            i -= 1
            continue
        top = i
        while top > 0 and _labels(lines[top - 1]):
            top -= 1
        block = lines[top : i + 1]
        one_each = all(len(set(_labels(without_brackets(x)))) == 1 for x in block)
        end = sum(len(x) + 1 for x in lines[: i + 1])
        if len(block) >= need and one_each:
            order = [_labels(without_brackets(x))[0] for x in block]
            if len(set(order)) == len(order):
                return Order(tuple(order), False, end)
        order, hedge = _inline(lines[i])
        if len(order) >= need and len(set(order)) == len(order):
            return Order(tuple(order), hedge, end)
        i -= 1
    return None


def _conflicts(unit: str, order: tuple[str, ...]) -> bool:
    """Does `unit` put two activities in the other order than `order` does?"""
    at = {label: i for i, label in enumerate(order)}
    mentioned = [x for x in _dedupe(_labels(without_brackets(unit))) if x in at]
    return any(at[a] > at[b] for i, a in enumerate(mentioned) for b in mentioned[i + 1 :])


def read_order(text: str, wanted: int) -> tuple[Order | None, str]:
    """The order a normalised answer states and, if it hedges, how."""
    marked = [o for s in segments(text) if (o := _marked(text, s.start, s.end, wanted))]
    if marked:
        if len({o.labels for o in marked}) > 1:
            return marked[-1], "states different orders"
        main = marked[-1]
    else:
        found = _unmarked(text, wanted)
        if found is None:
            return None, ""
        main = found
    if main.hedge:
        return main, "leaves a choice inside the order ('or' or '/')"
    line_start = text.rfind("\n", 0, main.end - 1) + 1
    for aside in brackets(text[line_start : main.end]):
        if _ALTERNATIVE.search(aside) and _conflicts(aside, main.labels):
            return main, f"offers another order beside it ({aside.strip()[:60]})"
    rest = text[main.end :]
    for _, unit in units(rest):
        if _ALTERNATIVE.search(unit) and _conflicts(unit, main.labels):
            return main, f"offers another order after it ({unit.strip()[:60]})"
    later = _unmarked(rest, wanted)
    if later is not None and len(later.labels) == wanted and later.labels != main.labels:
        return main, "states a second, different order after it"
    return main, ""


def _describe(order: list[str], labels: list[str]) -> str:
    missing = [x for x in labels if x not in order]
    repeated = sorted({x for x in order if order.count(x) > 1}, key=order.index)
    unknown = [x for x in order if x not in labels]
    parts = []
    if missing:
        parts.append(f"misses {', '.join(missing)}")
    if repeated:
        parts.append(f"repeats {', '.join(repeated)}")
    if unknown:
        parts.append(f"names unknown {', '.join(unknown)}")
    return "; ".join(parts)


def check_schedule(reference: dict[str, object], answer: str) -> Verdict:
    """Right for a permutation of every label that meets every rule."""
    labels = reference.get("labels")
    names = reference.get("names")
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise bad_reference("'labels' must be a list of strings")
    if not isinstance(names, list) or len(names) != len(labels):
        raise bad_reference("'names' must list one activity name per label")
    rules = {}
    for key in ("before", "immediately_after"):
        pairs = reference.get(key, [])
        if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 2 and set(p) <= set(labels) for p in pairs
        ):
            raise bad_reference(f"'{key}' must be a list of label pairs")
        rules[key] = pairs
    text = normalise(clean(answer), labels, [str(n) for n in names])
    if not text.strip():
        return wrong("empty answer")
    main, hedge = read_order(text, len(labels))
    if main is None:
        named = set(_labels(text)) & set(labels)
        if named == set(labels):
            return undecidable("names every activity but states no order that can be read")
        return wrong(f"states no order (names {len(named)} of {len(labels)} activities)")
    order = list(main.labels)
    stated = f"orders {', '.join(order)}"
    if hedge:
        return wrong(f"{stated} but {hedge}: a hedge")
    problems = schedule_violations(order, labels, rules["before"], rules["immediately_after"])
    if problems:
        detail = _describe(order, labels) if sorted(order) != sorted(labels) else problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 and "must" in detail else ""
        return wrong(f"{stated}: {detail}{more}")
    return Verdict(True, f"{stated}: a permutation meeting every rule")
