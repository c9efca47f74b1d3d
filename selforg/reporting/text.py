"""How numbers read in the report: one formatting of estimates, intervals, p-values and gaps.

Every figure goes through these helpers, so "not computable (reason)" and the CI style are the
same in every table of the Markdown and the HTML report.
"""

from __future__ import annotations

import math

from selforg.analysis.multiplicity import BH, CONFIRMATORY, Adjusted
from selforg.analysis.result import NOT_COMPUTABLE, Stat

NA = "n/a"


def num(x: float | None, digits: int = 3) -> str:
    """A number with `digits` decimals, or n/a."""
    if x is None or not math.isfinite(float(x)):
        return NA
    return f"{x:,.{digits}f}" if abs(x) >= 1000 else f"{x:.{digits}f}"


def pct(x: float | None, digits: int = 1, sign: bool = False) -> str:
    """A share or relative difference as a percentage (0.14 -> 14.0%, +14.0% with sign)."""
    if x is None or not math.isfinite(float(x)):
        return NA
    return f"{100 * x:+.{digits}f}%" if sign else f"{100 * x:.{digits}f}%"


def pval(p: float | None) -> str:
    """A p-value: three significant digits, '< 0.0001' below that."""
    if p is None or not math.isfinite(float(p)):
        return NA
    return "< 0.0001" if p < 1e-4 else f"{p:.3g}"


def p_is(p: float | None) -> str:
    """'p = 0.012' or 'p < 0.0001' (no 'p = < ...')."""
    text = pval(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def missing(stat: Stat) -> str:
    """The "not computable (reason)" text of a Stat without a value."""
    return f"{NOT_COMPUTABLE} ({stat.note or 'no reason given'})"


def est(stat: Stat, digits: int = 3, percent: bool = False, sign: bool = False) -> str:
    """Estimate with its 95% CI in brackets, or "not computable (reason)"."""
    if stat.value is None:
        return missing(stat)
    show = (lambda x: pct(x, 1, sign)) if percent else (lambda x: num(x, digits))
    text = show(stat.value)
    if stat.ci_low is not None and stat.ci_high is not None:
        text += f" [{show(stat.ci_low)}, {show(stat.ci_high)}]"
    return text


def full(stat: Stat, digits: int = 3, percent: bool = False, sign: bool = False) -> str:
    """est() plus p, n and the test: the form every claim of the report is given in."""
    if stat.value is None:
        return missing(stat) + (f"; {stat.test}" if stat.test else "")
    parts = [est(stat, digits, percent, sign)]
    if stat.p is not None:
        parts.append(p_is(stat.p))
    parts.append(f"n = {stat.n}")
    text = ", ".join(parts)
    return text + (f" ({stat.test})" if stat.test else "")


def adjusted(found: Adjusted | None) -> str:
    """'BH p = 0.12 (m = 40)' or 'Holm p = 0.03 (m = 5, confirmatory)', n/a when not a test."""
    if found is None:
        return NA
    short = "BH" if found.method == BH else found.method
    tail = ", confirmatory" if found.family == CONFIRMATORY else ""
    return f"{short} {p_is(found.p_adj)} (m = {found.m}{tail})"


def tested(stat: Stat, found: Adjusted | None, digits: int = 3) -> str:
    """full() of a test plus its adjusted p, when it has one."""
    text = full(stat, digits)
    return text if found is None or stat.value is None else f"{text}; {adjusted(found)}"
