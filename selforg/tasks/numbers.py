"""Numbers as answers write them: "$554,969.35", "554.969,35 €", "554 969", "$555k", "12%".

`numbers(text)` finds every number with what surrounds it (currency sign, percent, a scale
word such as "k" or "million", the word after it), so the checkers can tell a stated total
from a count ("2 parts"), a rate ("14%") or a label ("T3", "P2"). Grouping and decimal marks
follow the two common conventions:

- "1,234.56" and "1 234.56" (comma or space groups, dot decimal), "1.234,56" and "1 234,56"
  (dot or space groups, comma decimal), "1'234.56" (apostrophe groups);
- a lone comma followed by exactly three digits groups ("554,969"), by one or two digits it is
  a decimal mark ("554969,35"); a lone dot is a decimal mark ("48.21"), several dots group
  ("1.234.567").

A run of digits glued to letters ("T3", "P12", "Q4", "2nd") is not a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_GROUP = "[,.'\u00a0\u202f\u2009 ]"
_RUN = re.compile(
    rf"(?<![\w.,])(?P<run>\d+(?:{_GROUP}\d+)*)",
)
_CURRENCY_BEFORE = re.compile(r"(?:US\$|\$|€|USD|EUR|US dollars?)\s?$", re.IGNORECASE)
_CURRENCY_AFTER = re.compile(r"^\s?(?:USD|EUR|€|dollars?|US dollars?)(?![A-Za-z])", re.IGNORECASE)
_SCALE_AFTER = re.compile(r"^\s?(k|K|thousand|m|M|mn|million|bn|billion)\b")
_PERCENT_AFTER = re.compile(r"^\s?(?:%|per\s?cent\b|percent\b|pct\b)", re.IGNORECASE)
_WORD_AFTER = re.compile(r"^[ \t-]*([A-Za-z][A-Za-z-]*)")
_SCALES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "bn": 1e9,
           "billion": 1e9}
_SPACES = "\u00a0\u202f\u2009 "


@dataclass(frozen=True)
class Number:
    """One number in a text. `start`/`end` span the digits, sign and any scale word."""

    value: float
    start: int
    end: int
    currency: bool
    percent: bool
    scaled: bool
    grouped: bool
    decimals: int
    word_after: str


def _split_spaces(run: str) -> list[tuple[int, str]]:
    """Pieces of a run split at spaces that do not group thousands ("12 345" is one number,
    "3 12" two)."""
    pieces: list[tuple[int, str]] = []
    start = 0
    for i, ch in enumerate(run):
        if ch not in _SPACES:
            continue
        head = re.split(r"[^\d]", run[start:i])[-1]
        tail = re.match(r"\d+", run[i + 1 :])
        if not (tail and len(tail[0]) == 3 and len(head) <= 3):
            pieces.append((start, run[start:i]))
            start = i + 1
    pieces.append((start, run[start:]))
    return pieces


def _value(text: str) -> tuple[float, bool, int] | None:
    """(value, grouped, decimals) of one run without spaces other than group marks, or None."""
    plain = re.sub(f"[{_SPACES}']", "", text)
    grouped = plain != text
    commas, dots = plain.count(","), plain.count(".")
    if commas and dots:
        decimal = "," if plain.rfind(",") > plain.rfind(".") else "."
        group = "." if decimal == "," else ","
        whole, _, frac = plain.rpartition(decimal)
        if decimal in whole or not re.fullmatch(rf"\d{{1,3}}(\{group}\d{{3}})*", whole):
            return None
        return float(whole.replace(group, "") + "." + frac), True, len(frac)
    mark = "," if commas else "." if dots else ""
    if not mark:
        return float(plain), grouped, 0
    parts = plain.split(mark)
    if len(parts) > 2 or (mark == "," and len(parts[1]) == 3):
        if not re.fullmatch(rf"\d{{1,3}}(\{mark}\d{{3}})+", plain):
            return None
        return float(plain.replace(mark, "")), True, 0
    if grouped and not re.fullmatch(r"\d+", parts[1]):
        return None
    return float(parts[0] + "." + parts[1]), grouped, len(parts[1])


def numbers(text: str) -> list[Number]:
    """Every number of `text`, in order."""
    found: list[Number] = []
    for match in _RUN.finditer(text):
        for offset, piece in _split_spaces(match["run"]):
            parsed = _value(piece)
            if parsed is None:
                continue
            value, grouped, decimals = parsed
            start = match.start() + offset
            end = start + len(piece)
            after = text[end:]
            scale = _SCALE_AFTER.match(after)
            if scale and after[:1] == " " and scale[1] in ("m", "M"):
                scale = None  # "5 m" is metres more often than millions
            if scale:
                value *= _SCALES[scale[1].lower()]
                end += scale.end()
                after = text[end:]
            if after[:1].isalpha() and not (scale or _CURRENCY_AFTER.match(after)):
                continue  # glued to letters: "2nd", "3x", "4th"
            word = _WORD_AFTER.match(after)
            found.append(
                Number(
                    value=value,
                    start=start,
                    end=end,
                    currency=bool(_CURRENCY_BEFORE.search(text[max(0, start - 12) : start])
                                  or _CURRENCY_AFTER.match(after)),
                    percent=bool(_PERCENT_AFTER.match(after)),
                    scaled=scale is not None,
                    grouped=grouped,
                    decimals=decimals,
                    word_after=word[1].lower() if word else "",
                )
            )
    return found
