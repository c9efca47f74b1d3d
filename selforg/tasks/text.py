"""Small text helpers shared by the templates, the generator and the tests."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+(?:['.-][a-z0-9]+)*")


def cap(text: str) -> str:
    """Capitalise the first letter only (`str.capitalize` would lower-case names)."""
    return text[:1].upper() + text[1:]


def join_and(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def numbered(items: list[str]) -> str:
    """'(1) a; (2) b; (3) c' - compact enough for long step lists."""
    return "; ".join(f"({i}) {item}" for i, item in enumerate(items, start=1))


def money(amount: int) -> str:
    """'$1,450': prices and fees are drawn as whole dollars."""
    return f"${amount:,}"


def word_count(text: str) -> int:
    """Words as a reader counts them: whitespace-separated ("$9,500" is one word)."""
    return len(text.split())


def words(text: str) -> list[str]:
    """Lower-case word tokens, punctuation dropped."""
    return _WORD.findall(text.lower())


def shingles(text: str, size: int = 5) -> set[tuple[str, ...]]:
    """The set of `size`-word windows; texts shorter than `size` give their whole word tuple."""
    tokens = words(text)
    if len(tokens) < size:
        return {tuple(tokens)}
    return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of word 5-shingles: the near-duplicate measure of the task set."""
    x, y = shingles(a), shingles(b)
    return len(x & y) / len(x | y)
