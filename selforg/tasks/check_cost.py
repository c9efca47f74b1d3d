"""Which dollar total an answer states, for cost tasks (rules in docs/tasks.md).

The stated total is, in this order of precedence:

1. the amount each marker's statement asserts (all markers must agree: two different marked
   totals are a hedge);
2. without a marker, the last committed statement of a total ("Grand total: $X", "the budget
   comes to $X"), not a partial one ("phase 1 total", "subtotal", "before contingency") and
   not a conditional one ("if ..., the total would be $X");
3. else a statement offering two totals ("either $X or $Y"): a hedge;
4. else a last line holding one amount outside brackets, the largest of the answer, alone or
   after a label ("Plus the fee: $X", "Our figure: $X (three parts ...)");
5. else the last "costs" / "will cost" statement whose amount is the largest of the answer.

Within a statement, the asserted amount is the first whole amount (not a component: "the fee
is $5,000", "the $5,000 fee", "phase 1 is $X") that a copula introduces ("is", ":", "=",
"comes to") or that opens the statement, else the first whole amount; in an equation, the
result side. Percentages, counts ("2 parts", "12 months"), ordinals ("phase 3") and years are
not amounts. An amount of comparable size (half to twice the stated one) introduced by an
alternative cue ("$X (or $Y if ...)", "between $X and $Y", "$X-$Y", "otherwise $Y"), in the
statement or anywhere after it, makes the answer a hedge, unless it is the same total (within
the tolerance) or an approximate restatement within 1% ("i.e. about $555k"). Amounts far from
the total ("each extra point adds $4,900") are remarks, not competing totals; bracketed parts
("(about $613.7k without the fee)") are breakdowns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from selforg.tasks.catalogue import CATALOGUE
from selforg.tasks.numbers import Number, numbers
from selforg.tasks.reading import (
    ALTERNATIVE,
    REFUSAL,
    Segment,
    clean,
    segments,
    units,
    without_brackets,
)
from selforg.tasks.verdict import Verdict, bad_reference, undecidable, wrong

_COUNT_WORDS = frozenset(
    {
        "part", "parts", "phase", "phases", "step", "steps", "line", "lines", "item", "items",
        "option", "options", "adjustment", "adjustments", "activity", "activities", "month",
        "months", "year", "years", "week", "weeks", "day", "days", "hour", "hours", "people",
        "units", "unit", "times", "x", "percent", "per",
    }
    | {w.lower() for d in CATALOGUE.values() for c in d.cost_items for w in c.unit.split()}
)
_ORDINAL_BEFORE = re.compile(
    r"\b(?:phase|part|step|line|option|item|task|no\.|number|stage|year|fy|q)\s*#?\s*$",
    re.IGNORECASE,
)
_TOTAL = re.compile(
    r"\b(?:total|overall|altogether|in\s+all|grand|sum|budget|comes?\s+to|amounts?\s+to|"
    r"answer|final\s+(?:cost|figure|amount|price))\b",
    re.IGNORECASE,
)
_STRONG_PARTIAL = re.compile(
    r"\b(?:sub-?totals?|(?:phase|part|stage)\s*\d|(?:first|second|third|fourth)\s+(?:phase|part)"
    r"|before|pre-\w+|excluding|without|so\s+far|running|line\s+items?)\b",
    re.IGNORECASE,
)
_COMPONENT = re.compile(
    r"\b(?:fee|contingency|reserve|discount|lines?|cost\s+of|rate|price|each|per)\b",
    re.IGNORECASE,
)
_COPULA = re.compile(
    r"(?:\b(?:is|are|was|were|be|equals?|totals?|totall?ing|comes?\s+to|amounts?\s+to|gives|"
    r"yields|reaches|becomes|gets?|of|at)\b|[:=→]|->)[\s$€]*"
    r"(?:(?:about|approximately|approx\.?|around|roughly|exactly|just|USD|US|a|an|total|"
    r"grand|overall)\s+)*$",
    re.IGNORECASE,
)
_APPROXIMATE = re.compile(
    r"(?:\b(?:about|approximately|approx\.?|around|roughly|nearly|almost|circa|some|i\.e\.|"
    r"that\s+is)|~|≈)[\s$€]*$",
    re.IGNORECASE,
)
_CONDITIONAL = re.compile(r"\b(?:if|would|could|might|alternatively|otherwise)\b", re.I)
_MODAL = re.compile(r"\b(?:would|could|might)\b", re.I)
_NEGATED = re.compile(r"\b(?:not|never|rather\s+than|instead\s+of)\s*(?:USD\s*)?[$€]?\s*$", re.I)
_RANGE_BETWEEN = re.compile(r"^[\s$€]*(?:-|–|to|/)[\s$€]*$", re.IGNORECASE)
_IN_TOTAL = re.compile(r"^\s*(?:USD\s+)?(?:in\s+total|total|overall|altogether|all\s+in)\b", re.I)
_COMPONENT_AFTER = re.compile(
    r"^\s*(?:one-off\s+)?(?:fee|contingency|reserve|discount|for\s+(?:phase|part)\s*\d|without|"
    r"excluding|before)\b",
    re.I,
)
_OPERATOR = re.compile(r"[+×*/]|\s[x-]\s")
_BARE_LINE = re.compile(r"^[\s\-*•#=:]*(?:total|answer|final)?[\s:=]*$", re.IGNORECASE)
_BRACKET_CUE = re.compile(r"\brounded\b", re.IGNORECASE)
_COST_VERB = re.compile(r"\b(?:costs?|will\s+cost|needs|requires|comes?\s+in\s+at|priced\s+at)\b",
                        re.IGNORECASE)
_RESTATEMENT_SHARE = 0.01
_TOTAL_LIKE = (0.5, 2.0)


@dataclass(frozen=True)
class Amount:
    """What one statement asserts: `value`, the other totals it offers, and where it ends."""

    value: float
    alternatives: tuple[float, ...]
    approximate: tuple[float, ...]
    end: int
    partial: bool = False
    window: str = ""


@dataclass(frozen=True)
class CostReading:
    """The stated total (None if there is none) and the competing totals that make a hedge;
    `why` says what was read, or why nothing was."""

    value: float | None
    competing: tuple[float, ...]
    why: str
    decidable: bool = True


def is_amount(text: str, n: Number) -> bool:
    """A number that can be a dollar amount: not a percent, count, ordinal or year."""
    if n.percent:
        return False
    before = text[max(0, n.start - 12) : n.start]
    if _ORDINAL_BEFORE.search(before):
        return False
    if not n.currency and n.word_after in _COUNT_WORDS:
        return False
    year = not n.grouped and not n.decimals and 1900 <= n.value <= 2100
    return not (year and not n.currency and not n.scaled)


def _asserted(window: str, after: str) -> bool:
    """Is the amount between `window` and `after` asserted: first in its statement, after a
    copula ("is", ":", "=", "comes to"), or followed by "in total"?"""
    if not re.sub(r"[\s$€*#>|(\[-]", "", window):
        return True
    return bool(_COPULA.search(window) or _IN_TOTAL.match(after))


def _partial(window: str, after: str = "") -> bool:
    """Is the amount between `window` and `after` a part of the total (a phase total, the
    fee: "the fee is $5,000", "the $5,000 fee")?"""
    if _STRONG_PARTIAL.search(window) or _COMPONENT_AFTER.match(after):
        return True
    return bool(_COMPONENT.search(window)) and not _TOTAL.search(window)


def _result_side(text: str, amounts: list[Number]) -> list[Number]:
    """In an equation ("a + b = c", "c = a + b"), the side holding the result."""
    plain = without_brackets(text)
    cuts = [m.start() for m in re.finditer(r"=|≈", plain)]
    if not cuts:
        return amounts
    spans = list(pairwise([0, *cuts, len(text)]))
    sides = [[n for n in amounts if a <= n.start < b] for a, b in spans]
    last = plain[spans[-1][0] :]
    if sides[-1] and (len(sides[-1]) == 1 or not _OPERATOR.search(last) or not sides[0]):
        return sides[-1]
    if len(sides[0]) == 1:
        return sides[0]
    return sides[-1] or amounts


def _window(plain: str, floor: int, at: int) -> str:
    """The phrase that introduces the amount at `at`: back to the previous amount (`floor`) or
    the last comma or semicolon, whichever is nearer, unless that leaves no word."""
    cut = max(plain.rfind(",", floor, at), plain.rfind(";", floor, at))
    if cut >= 0 and re.search(r"[A-Za-z]", plain[cut:at]):
        return plain[cut + 1 : at]
    return plain[floor:at]


def _bracket_alternative(text: str, n: Number) -> bool:
    """Does a bracket offer the amount `n` as another total ("(or $Y if ...)", "(about $Y
    without the fee)")? A bracketed part total or component does not."""
    lead = text[text.rfind("(", 0, n.start) + 1 : n.start]
    cue = ALTERNATIVE.search(lead) or _BRACKET_CUE.search(lead) or _APPROXIMATE.search(lead)
    return bool(cue) and not _partial(lead, text[n.end :])


def _is_alternative(gap: str, window: str) -> bool:
    """Does `gap` between two amounts make the second an alternative (a range)?"""
    if _RANGE_BETWEEN.match(gap):
        return True
    return bool(re.match(r"^[\s$€]*and[\s$€]*$", gap)) and "between" in window.lower()


def statement_amount(text: str, start: int = 0) -> Amount | None:
    """The amount `text` (one statement) asserts, or None if it asserts none."""
    every = [n for n in numbers(text) if is_amount(text, n)]
    plain = without_brackets(text)
    outside = [n for n in every if plain[n.start] != " "]
    if not outside:
        return None
    alternatives = [n for n in every if plain[n.start] == " " and _bracket_alternative(text, n)]
    candidates = _result_side(text, outside)
    cue = ALTERNATIVE.search(plain, candidates[0].end)
    main = [n for n in candidates if cue is None or n.start < cue.start()]
    alternatives += [n for n in outside if cue is not None and n.start > cue.start()]
    windows = [_window(plain, main[i - 1].end if i else 0, n.start) for i, n in enumerate(main)]
    for i in range(len(main) - 1):
        if _is_alternative(plain[main[i].end : main[i + 1].start], windows[i]):
            alternatives.append(main[i + 1])
    main = [n for n in main if n not in alternatives]
    windows = [_window(plain, main[i - 1].end if i else 0, n.start) for i, n in enumerate(main)]
    kept = [i for i, w in enumerate(windows) if not _NEGATED.search(w)]  # "not $X but $Y"
    if kept:
        main, windows = [main[i] for i in kept], [windows[i] for i in kept]
    whole = [n for n, w in zip(main, windows, strict=True) if not _partial(w, plain[n.end :])]
    asserted = [n for n, w in zip(main, windows, strict=True)
                if n in whole and _asserted(w, plain[n.end :])]
    chosen = asserted[0] if asserted else whole[0] if whole else main[0]
    approximate = tuple(
        n.value for n in alternatives if _APPROXIMATE.search(text[max(0, n.start - 16) : n.start])
    )
    exact = tuple(n.value for n in alternatives if n.value not in approximate)
    window = windows[main.index(chosen)]
    return Amount(chosen.value, exact, approximate, start + chosen.end, not whole, window)


def _segment_amount(text: str, segment: Segment) -> Amount | None:
    """What a marker states: its first unit's amount, else the last total statement of its
    segment, else the segment's single amount."""
    body = text[segment.start : segment.end]
    pieces = units(body, segment.start)
    if pieces:
        at, first = pieces[0]
        found = statement_amount(first, at)
        if found is not None and not (segment.heading and found.partial):
            return found
    committed = _last_total_statement(pieces)
    if committed is not None:
        return committed
    if len({n.value for n in numbers(body) if is_amount(body, n)}) == 1:
        found_any = (statement_amount(unit, at) for at, unit in pieces)
        return next((a for a in found_any if a is not None), None)
    return None


def _last_total_statement(pieces: list[tuple[int, str]]) -> Amount | None:
    """The last unit that commits to a total: a total word, an asserted amount, no partial
    qualifier and no condition before the amount."""
    for at, unit in reversed(pieces):
        if not _TOTAL.search(unit):
            continue
        found = statement_amount(unit, at)
        if found is None or found.partial:
            continue
        head = unit[: found.end - at]
        if _CONDITIONAL.search(found.window) or _MODAL.search(head):
            continue
        return found
    return None


def _last_line(text: str) -> Amount | None:
    """A last line holding one amount, the largest of the answer, alone or after a label
    ("$554,969.35", "= 554,969.35", "Plus the fee: $554,969.35"): a walkthrough's result."""
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        return None
    line = lines[-1]
    plain = without_brackets(line)
    amounts = [n for n in numbers(line) if is_amount(line, n) and plain[n.start] != " "]
    everywhere = [n.value for n in numbers(text) if is_amount(text, n)]
    if len(amounts) != 1 or amounts[0].value < max(everywhere):
        return None
    head = line[: amounts[0].start]
    bare = _BARE_LINE.match(re.sub(r"[$€]|USD", "", head))
    if not (bare or re.search(r"[:=]\s*[$€]?\s*$", head)):
        return None
    if _CONDITIONAL.search(head) or _STRONG_PARTIAL.search(head):
        return None
    return Amount(amounts[0].value, (), (), text.rfind(line) + amounts[0].end)


def _cost_statement(text: str, pieces: list[tuple[int, str]]) -> Amount | None:
    """The last unit that says what the whole costs ("The programme will cost $X"), when that
    amount is the largest of the answer (a line's or a part's cost is smaller)."""
    largest = max((n.value for n in numbers(text) if is_amount(text, n)), default=None)
    for at, unit in reversed(pieces):
        if not _COST_VERB.search(unit):
            continue
        found = statement_amount(unit, at)
        if found is not None and not found.partial and found.value == largest \
                and not _CONDITIONAL.search(found.window):
            return found
    return None


def _offered_alternatives(pieces: list[tuple[int, str]]) -> Amount | None:
    """The last unit that offers two totals as alternatives ("either $X or $Y")."""
    for at, unit in reversed(pieces):
        found = statement_amount(unit, at)
        if found is not None and any(
            _TOTAL_LIKE[0] * found.value <= v <= _TOTAL_LIKE[1] * found.value
            for v in found.alternatives
        ):
            return found
    return None


def _later_alternatives(text: str, after: int, value: float) -> list[float]:
    """Totals offered after the stated one: amounts of total size in a unit with a cue."""
    low, high = _TOTAL_LIKE[0] * value, _TOTAL_LIKE[1] * value
    return [
        n.value
        for _, unit in units(text[after:])
        if ALTERNATIVE.search(unit)
        for n in numbers(unit)
        if is_amount(unit, n) and low <= n.value <= high
        and not _APPROXIMATE.search(unit[max(0, n.start - 16) : n.start])
    ]


def read_cost(text: str, tolerance: float) -> CostReading:
    """The total a cleaned answer states, and any competing totals."""
    stated = [a for s in segments(text) if (a := _segment_amount(text, s)) is not None]
    source = "marked answer"
    if not stated:
        pieces = units(text)
        last = (_last_total_statement(pieces) or _offered_alternatives(pieces)
                or _last_line(text) or _cost_statement(text, pieces))
        if last is None:
            if not any(is_amount(text, n) for n in numbers(text)):
                return CostReading(None, (), "states no total")
            if REFUSAL.search(text):
                return CostReading(None, (), "declines to state a total")
            return CostReading(
                None, (), "no marked answer and no statement of a total", decidable=False
            )
        stated, source = [last], "statement of the total"
    main = stated[-1].value
    low, high = _TOTAL_LIKE[0] * main, _TOTAL_LIKE[1] * main
    competing = [a.value for a in stated]
    for amount in stated:
        competing += [v for v in amount.alternatives if low <= v <= high]
        competing += [v for v in amount.approximate if abs(v - main) > _RESTATEMENT_SHARE * main]
    competing += _later_alternatives(text, stated[-1].end, main)
    others = tuple(sorted({v for v in competing if abs(v - main) > tolerance}))
    return CostReading(main, others, source)


def _dollars(value: float) -> str:
    return f"${value:,.2f}"


def check_cost(reference: dict[str, object], answer: str) -> Verdict:
    """Right when the one stated total is within `tolerance_usd` of the reference's."""
    truth = reference.get("answer")
    tolerance = reference.get("tolerance_usd")
    known = reference.get("method_errors", {})
    if not isinstance(truth, int | float) or not isinstance(tolerance, int | float):
        raise bad_reference("'answer' and 'tolerance_usd' must be numbers")
    if not isinstance(known, dict):
        raise bad_reference("'method_errors' must map method names to totals")
    text = clean(answer)
    if not text.strip():
        return wrong("empty answer")
    reading = read_cost(text, float(tolerance))
    if reading.value is None and not reading.decidable:
        # Unless the true total is among its amounts, the answer cannot be right.
        if any(abs(n.value - truth) <= tolerance for n in numbers(text) if is_amount(text, n)):
            return undecidable(f"{reading.why}; the true total appears among its amounts")
        return wrong(f"{reading.why}; none of its amounts is the true total")
    if reading.value is None:
        return wrong(reading.why)
    stated = f"states {_dollars(reading.value)} ({reading.why})"
    if reading.competing:
        others = ", ".join(_dollars(v) for v in reading.competing)
        return wrong(f"{stated} but also {others}: a hedge")
    miss = reading.value - float(truth)
    if abs(miss) <= tolerance:
        return Verdict(True, f"{stated}; the truth is {_dollars(float(truth))}")
    methods = [name for name, total in known.items() if abs(total - reading.value) <= tolerance]
    method = f", the result of {methods[0]}" if methods else ""
    return wrong(f"{stated}; the truth is {_dollars(float(truth))} (off by "
                 f"{_dollars(abs(miss))}{method})")
