"""One multiplicity policy for the whole study: every p-value is adjusted exactly once.

- Confirmatory: the tests of the reference study's claims (`reference_claims.CONFIRMATORY`),
  named in the code before any data, one test each in its matching setting; Holm over those
  that could be computed (a test the design could not run cannot reject, so leaving it out of
  the family keeps the family-wise error at alpha).
- Exploratory: every other test the report prints (protocol pairs and omnibus tests of every
  setting, scaling, capability, open vs closed, complexity), Benjamini-Hochberg across the
  whole study (false discovery rate at alpha).
An exploratory test that is the very test of a confirmatory claim (the same pair in the same
setting) is adjusted once, as confirmatory. No test is adjusted on top of a test that already
adjusts (the unpaired pairs use Welch's t, not Games-Howell).

Each test has a stable key (the helpers below), by which the report and metrics.json find its
adjusted p.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from selforg.analysis.result import Stat
from selforg.analysis.stats_basic import benjamini_hochberg, holm

CONFIRMATORY = "confirmatory"
EXPLORATORY = "exploratory"
HOLM = "Holm"
BH = "Benjamini-Hochberg"


def pair_key(a: str, b: str, suffix: str) -> str:
    """The key of a protocol pair's test in a setting (suffix as `Setting.suffix`)."""
    return f"pair:{a}_vs_{b}{suffix}"


def omnibus_key(suffix: str) -> str:
    return f"omnibus{suffix}"


def scaling_key(scope: str, statistic: str) -> str:
    return f"scaling:{scope}:{statistic}"


def capability_key(n_agents: int | None, term: str) -> str:
    return f"capability:{'pooled' if n_agents is None else f'n{n_agents}'}:{term}"


def open_closed_key(protocol: str | None) -> str:
    return f"open_closed:{protocol or 'all'}"


def complexity_key(protocol: str | None) -> str:
    return f"complexity:{protocol or 'all'}"


def claim_key(key: str) -> str:
    return f"claim:{key}"


@dataclass(frozen=True)
class Adjusted:
    """A test's raw and adjusted p, the method, its family and the family's size."""

    p: float
    p_adj: float
    method: str
    family: str
    m: int


@dataclass(frozen=True)
class Multiplicity:
    """The adjusted p of every test by key; `confirmatory` lists the family in order."""

    tests: dict[str, Adjusted] = field(default_factory=dict)
    confirmatory: tuple[str, ...] = ()

    def get(self, key: str) -> Adjusted | None:
        return self.tests.get(key)

    def p_adj(self, key: str) -> float | None:
        found = self.tests.get(key)
        return None if found is None else found.p_adj

    @property
    def exploratory_size(self) -> int:
        return sum(t.family == EXPLORATORY for t in self.tests.values())


def adjust(exploratory: Sequence[tuple[str, Stat]],
           confirmatory: Sequence[tuple[str, Stat | None, str | None]],
           aliases: Mapping[str, str] | None = None) -> Multiplicity:
    """Holm over the confirmatory tests, Benjamini-Hochberg over the exploratory ones.

    exploratory: (key, test). confirmatory: (claim key, test or None when not measured, the
    exploratory key of the same test or None). aliases: key -> key of the very same test
    reported under two names (a study's only (model, N) setting is its pooled one), counted
    once. Tests without a p are in no family.
    """
    tests: dict[str, Adjusted] = {}
    same = {dup: key for key, _, dup in confirmatory if dup is not None}
    family = [(key, t.p) for key, t, _ in confirmatory if t is not None and t.p is not None]
    for (key, p), adjusted in zip(family, holm([p for _, p in family]), strict=True):
        if p is not None and adjusted is not None:
            tests[key] = Adjusted(p, adjusted, HOLM, CONFIRMATORY, len(family))
    for dup, key in same.items():
        if key in tests:
            tests[dup] = tests[key]
    skip = set(same) | set(aliases or {})
    rest = [(key, t.p) for key, t in exploratory if t.p is not None and key not in skip]
    for (key, p), adjusted in zip(rest, benjamini_hochberg([p for _, p in rest]), strict=True):
        if p is not None and adjusted is not None:
            tests[key] = Adjusted(p, adjusted, BH, EXPLORATORY, len(rest))
    for alias, key in (aliases or {}).items():
        if key in tests:
            tests[alias] = tests[key]
    return Multiplicity(tests, tuple(key for key, _, _ in confirmatory))
