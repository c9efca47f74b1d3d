"""Design adequacy: what each confirmatory comparison can detect, and the tasks it would need.

For every claim of the confirmatory family (`reference_claims.CONFIRMATORY`), in this study's
setting matching the paper's: the smallest effect its test detects with 80% power at the
number of tasks that setting has (planned, or run), and the number of tasks that setting would
need to detect the claim's stated effect (the paper's, e.g. +14%). The calculation is the
two-sided t-test of the same design on the noncentral t distribution (`power`): paired over
tasks for a protocol pair, a capability contrast or open vs closed; two groups of tasks for the
L1 -> L4 drop; a task-blocked slope for scaling (standard error sd / sqrt(tasks x spread of
log2 N), residual df tasks x (points - 1) - 1). A signed-rank test is taken at 3/pi of the
tasks (its efficiency against the t-test under normality), and below 6 tasks it cannot reach
alpha at all. alpha is 0.05 / (family size): the level Holm guarantees each member, so a
design adequate here stays adequate after the correction.

The SD comes from a run of this study when there is one (this run in the report; for `selforg
plan`, the previous run's reports/metrics.json, or its data/ tables), otherwise from the
reference study's reported spread (`StatedEffect.source` says how it was derived).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy import stats as st

from selforg.analysis.reference import ClaimResult, Coverage, Match, PowerInput, ReferenceClaim
from selforg.analysis.reference_claims import CONFIRMATORY
from selforg.analysis.result import Stat, not_computable
from selforg.analysis.settings import Design
from selforg.analysis.stats_basic import ALPHA
from selforg.analysis.stats_compare import WILCOXON_MIN_N

POWER = 0.8
# Asymptotic relative efficiency of the signed-rank test against the t-test under normality.
RANK_EFFICIENCY = 3 / math.pi
# Beyond this noncentrality 80% power is treated as unreachable (df of 1 needs ~100).
MAX_NONCENTRALITY = 1e4
MAX_TASKS = 1_000_000
THIS_RUN = "this run"


def family_alpha() -> float:
    """The per-test level of the confirmatory family: alpha / family size (Holm's first step)."""
    return ALPHA / len(CONFIRMATORY)


@dataclass(frozen=True)
class Layout:
    """The design side of a power calculation: tasks and, for a slope, the N values."""

    tasks: int
    ns: tuple[int, ...] = ()

    @property
    def spread(self) -> float:
        """Sum over one task's N values of the squared deviation of log2 N from its mean."""
        x = np.log2(np.asarray(self.ns, dtype=float))
        return float(((x - x.mean()) ** 2).sum()) if x.size else 0.0


def _df_se(inputs: PowerInput, tasks: float, ns: tuple[int, ...]) -> tuple[float, float]:
    """Residual df and standard error of the estimate at `tasks` (per group if two-sample)."""
    if inputs.kind == "two-sample":
        return 2 * tasks - 2, inputs.sd * math.sqrt(2 / tasks)
    if inputs.kind == "slope":
        spread = Layout(0, ns).spread
        return tasks * (len(ns) - 1) - 1, inputs.sd / math.sqrt(tasks * spread)
    return tasks - 1, inputs.sd / math.sqrt(tasks)


def power_at(effect: float, inputs: PowerInput, tasks: int, ns: tuple[int, ...] = (),
             alpha: float | None = None) -> float:
    """Power of the two-sided test of `inputs.kind` to detect `effect` (Q units) at `tasks`."""
    level = family_alpha() if alpha is None else alpha
    n = tasks * RANK_EFFICIENCY if inputs.rank_test else float(tasks)
    df, se = _df_se(inputs, n, ns)
    if df < 1 or se <= 0:
        return 0.0
    return _two_sided(float(st.t.ppf(1 - level / 2, df)), df, effect / se)


def _two_sided(crit: float, df: float, nc: float) -> float:
    """P(|T| > crit) for T noncentral t(df, nc); scipy gives NaN for a tail far below 1e-30,
    which is 0 to any precision that matters here."""
    upper = float(st.nct.sf(crit, df, nc))
    lower = float(st.nct.cdf(-crit, df, nc))
    return (0.0 if math.isnan(upper) else upper) + (0.0 if math.isnan(lower) else lower)


def _too_few(inputs: PowerInput, layout: Layout) -> str:
    """Why no effect is detectable at this layout, or ""."""
    if inputs.rank_test and layout.tasks < WILCOXON_MIN_N:
        return (f"the signed-rank test cannot reach alpha at {layout.tasks} tasks (needs "
                f"{WILCOXON_MIN_N})")
    if inputs.kind == "slope" and len(layout.ns) < 2:
        return "fewer than 2 values of N"
    if layout.tasks < 1:
        return "no tasks"
    df, _ = _df_se(inputs, layout.tasks * (RANK_EFFICIENCY if inputs.rank_test else 1),
                   layout.ns)
    if df < 1:
        return f"no residual degrees of freedom at {layout.tasks} tasks"
    if inputs.sd <= 0:
        return "zero SD: no spread to detect an effect against"
    return ""


def detectable(inputs: PowerInput, layout: Layout) -> Stat:
    """Smallest effect (Q units) detectable with 80% power; extra["relative"] = / baseline."""
    test = f"noncentral t power analysis, alpha = {family_alpha():.4f}, power = {POWER}"
    why = _too_few(inputs, layout)
    if why:
        return not_computable(why, n=layout.tasks, test=test)
    df, se = _df_se(inputs, layout.tasks * (RANK_EFFICIENCY if inputs.rank_test else 1),
                    layout.ns)
    crit = float(st.t.ppf(1 - family_alpha() / 2, df))

    def gap(nc: float) -> float:
        return _two_sided(crit, df, nc) - POWER

    high = crit + 20.0
    while gap(high) < 0:
        # Few residual degrees of freedom give the t distribution heavy tails: the
        # noncentrality reaching 80% power can lie many critical values out.
        high *= 2
        if high > MAX_NONCENTRALITY:
            return not_computable(f"80% power is out of reach at {layout.tasks} tasks "
                                  f"({df:g} residual degrees of freedom)",
                                  n=layout.tasks, test=test)
    nc = float(optimize.brentq(gap, 0.0, high))
    effect = nc * se
    return Stat(value=effect, n=layout.tasks, test=test,
                extra={"relative": effect / inputs.baseline if inputs.baseline else None})


def tasks_needed(inputs: PowerInput, effect: float, ns: tuple[int, ...] = ()) -> Stat:
    """The fewest tasks (per group if two-sample) that detect `effect` with 80% power."""
    test = f"noncentral t power analysis, alpha = {family_alpha():.4f}, power = {POWER}"
    if inputs.sd <= 0 or effect <= 0:
        return not_computable("zero SD or zero effect", test=test)
    if inputs.kind == "slope" and len(ns) < 2:
        return not_computable("fewer than 2 values of N", test=test)
    low = WILCOXON_MIN_N if inputs.rank_test else 2
    while power_at(effect, inputs, low, ns) < POWER and low < MAX_TASKS:
        low *= 2
    if low >= MAX_TASKS:
        return not_computable(f"more than {MAX_TASKS:,} tasks", test=test)
    high, low = low, max(WILCOXON_MIN_N if inputs.rank_test else 2, low // 2)
    while low < high:
        mid = (low + high) // 2
        if power_at(effect, inputs, mid, ns) >= POWER:
            high = mid
        else:
            low = mid + 1
    return Stat(value=float(high), n=high, test=test)


@dataclass(frozen=True)
class Adequacy:
    """One confirmatory comparison's design adequacy.

    setting: this study's matching setting, or why there is none (then tasks = 0 and no
    detectable effect). source: where the SD came from. needed: tasks for the stated effect in
    the paper's setting (the N values this study has there, else the paper's).
    """

    claim: ReferenceClaim
    setting: str
    tasks: int
    inputs: PowerInput
    source: str
    detectable: Stat
    needed: Stat


def claim_layout(claim: ReferenceClaim, found: Match, coverage: Coverage) -> Layout:
    """Tasks of the matched setting (per level group for the two-sample drop) and its N."""
    if claim.effect is not None and claim.effect.spread.kind == "two-sample":
        return Layout(min(coverage.tasks.get(lv, 0) for lv in found.levels), found.ns)
    return Layout(found.tasks(coverage), found.ns)


def adequacy_of(claim: ReferenceClaim, design: Design, coverage: Coverage,
                inputs: PowerInput | None, source: str) -> Adequacy:
    """Adequacy of one confirmatory claim in a study of this coverage.

    inputs: the SD and baseline from a run of this study (None: the reference's spread).
    """
    assert claim.effect is not None, "only confirmatory claims have a stated effect"
    effect = claim.effect
    chosen = inputs or effect.spread
    origin = source if inputs is not None else effect.source
    found = claim.locate(design, coverage)
    if isinstance(found, str):
        return Adequacy(claim, found, 0, chosen, origin,
                        not_computable(found), tasks_needed(chosen, effect.value,
                                                            claim.setting.n_agents))
    layout = claim_layout(claim, found, coverage)
    return Adequacy(claim, found.label, layout.tasks, chosen, origin,
                    detectable(chosen, layout), tasks_needed(chosen, effect.value, found.ns))


def design_adequacy(results: list[ClaimResult], design: Design,
                    coverage: Coverage) -> list[Adequacy]:
    """Adequacy of each confirmatory claim with the SD measured in this run, where it was."""
    measured = {r.claim.key: r.power for r in results}
    return [adequacy_of(claim, design, coverage, measured.get(claim.key), THIS_RUN)
            for claim in CONFIRMATORY]
