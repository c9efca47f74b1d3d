"""The one result type every statistic returns.

A statistic that cannot be computed (too few samples, zero variance, unbalanced data) is not an
error and never a made-up number: it is a `Stat` whose `value` is None and whose `note` says why.
Reports print it as "not computable (reason)"; metrics.json stores None for it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

NOT_COMPUTABLE = "not computable"


@dataclass(frozen=True)
class Stat:
    """A named estimate with its uncertainty and provenance.

    value: the estimate, or None when not computable.
    ci_low / ci_high: 95% confidence interval bounds, None when there is none.
    p: p-value of the test named in `test`, None when no test applies.
    n: number of observations the estimate rests on.
    test: the method used, for example "Wilcoxon signed-rank" or "bootstrap (2000 resamples)".
    note: why the statistic is not computable, or a caveat worth printing.
    extra: further named figures (adjusted p, degrees of freedom, statistic value ...).
    """

    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    p: float | None = None
    n: int = 0
    test: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def computable(self) -> bool:
        return self.value is not None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self, digits: int = 3) -> str:
        """Human-readable one-liner for reports."""
        if self.value is None:
            return f"{NOT_COMPUTABLE} ({self.note or 'no reason given'})"
        text = f"{self.value:.{digits}f}"
        if self.ci_low is not None and self.ci_high is not None:
            text += f" [95% CI {self.ci_low:.{digits}f}, {self.ci_high:.{digits}f}]"
        if self.p is not None:
            text += f", p = {self.p:.{digits}g}"
        text += f", n = {self.n}"
        if self.test:
            text += f" ({self.test})"
        return text


def not_computable(reason: str, n: int = 0, test: str = "") -> Stat:
    """A statistic that cannot be computed, with the reason to show in the report."""
    return Stat(value=None, n=n, test=test, note=reason)


def finite_or_none(x: float | None) -> float | None:
    """Map NaN and infinities (which scipy returns on degenerate input) to None."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None
