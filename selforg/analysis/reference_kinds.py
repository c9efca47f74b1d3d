"""How each kind of reference claim is measured in this study's matching setting.

One class per kind of claim (a protocol pair, scaling, cost, capability, open vs closed,
complexity, and the descriptive ones); `reference_claims.py` lists the paper's claims as
instances, so a new claim of a known kind is one more entry there. Every kind matches the
paper's setting first (`reference.match`) and says "setting not run (why)" when it cannot.
Statistical kinds compute their figures with the library's functions on the matched runs and
return the claim's test and the inputs of its power calculation; where the matched setting is
one the report already compares (a (model, N) or (model, N, level) setting, the capability
test at one N), that very comparison is used, so the test is the same one and adjusted once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import pandas as pd

from selforg.analysis.comparisons import common_tasks
from selforg.analysis.effects import FIXED, FREE_COUNTERPART, group_ratio, list_price_ratio
from selforg.analysis.multiplicity import capability_key, pair_key
from selforg.analysis.reference import (
    NOT_MEASURED,
    SETTING_NOT_RUN,
    ClaimContext,
    ClaimResult,
    Coverage,
    Match,
    PowerInput,
    Reading,
    ReferenceClaim,
    match,
)
from selforg.analysis.resilience import NO_SHOCKS, resilience_of
from selforg.analysis.result import Stat
from selforg.analysis.settings import Design, judged
from selforg.analysis.stats import (
    Q_RANGE,
    capability,
    compare_protocols,
    cost_exponent,
    friedman_by_n,
    kruskal_by_n,
    level_drop,
    log2_slope,
)
from selforg.analysis.stats_compare import PairComparison


def _inverse(stat: Stat) -> Stat:
    """rel diff of b over a from that of a over b: 1 / (1 + r) - 1, CI bounds swapped."""
    def flip(x: float | None) -> float | None:
        return None if x is None or x <= -1 else 1 / (1 + x) - 1
    return replace(stat, value=flip(stat.value), ci_low=flip(stat.ci_high),
                   ci_high=flip(stat.ci_low))


def _negated(stat: Stat) -> Stat:
    def neg(x: float | None) -> float | None:
        return None if x is None else -x
    return replace(stat, value=neg(stat.value), ci_low=neg(stat.ci_high),
                   ci_high=neg(stat.ci_low))


def _reversed_test(test: Stat) -> Stat:
    """Welch's t of b minus a from that of a minus b; a signed-rank statistic is symmetric."""
    if test.value is None or not test.test.startswith("Welch"):
        return test
    return replace(test, value=-test.value)


def _oriented(pair: PairComparison, a: str) -> PairComparison:
    """The pair with a first: rel diff inverted and both d negated when stored as (b, a)."""
    if pair.a == a:
        return pair
    return replace(pair, a=pair.b, b=pair.a, rel_diff=_inverse(pair.rel_diff),
                   d=_negated(pair.d), d_pooled=_negated(pair.d_pooled),
                   test=_reversed_test(pair.test))


def setting_suffix(found: Match, coverage: Coverage) -> str | None:
    """The metrics.json suffix of the report's setting equal to `found`, if there is one."""
    if len(found.models) != 1 or len(found.ns) != 1:
        return None
    base = f"@{found.models[0]}/n{found.ns[0]}"
    if found.levels == coverage.levels:
        return base
    return f"{base}/{found.levels[0]}" if len(found.levels) == 1 else None


def _with_tasks(differs: tuple[str, ...], n: int, paper: str) -> tuple[str, ...]:
    return (*differs, f"{n} tasks here" + (f" (paper: {paper})" if paper else ""))


def _paired_power(wide: pd.DataFrame, a: str, b: str, rank_test: bool) -> PowerInput | None:
    """SD of the per-task differences a - b and the mean of b, from complete task rows."""
    both = wide[[a, b]].dropna()
    if len(both) < 2:
        return None
    diff = both[a] - both[b]
    return PowerInput("paired", float(diff.std(ddof=1)), float(both[b].mean()),
                      rank_test=rank_test)


@dataclass(frozen=True, kw_only=True)
class PairClaim(ReferenceClaim):
    """Protocol a beats protocol b in the paper's setting (rel diff, d as the paper, d_z, test)."""

    a: str
    b: str

    def locate(self, design: Design, coverage: Coverage) -> Match | str:
        return match(self.setting, (self.a, self.b), coverage)

    def measure(self, ctx: ClaimContext) -> ClaimResult:
        found = self.locate(ctx.design, ctx.coverage)
        if isinstance(found, str):
            return self.missing(found)
        rows = judged(found.rows(ctx.frame, (self.a, self.b)))[["task_id", "protocol", "q"]]
        scores, note = common_tasks(rows)
        suffix = setting_suffix(found, ctx.coverage)
        existing = ctx.settings.get(suffix) if suffix is not None else None
        pair = None if existing is None else existing.pair(self.a, self.b)
        key = None
        if pair is not None and existing is not None:
            chosen, key = _oriented(pair[0], self.a), pair_key(pair[0].a, pair[0].b, suffix or "")
            paired = existing.comparison.design.startswith("complete")
        else:
            comparison = compare_protocols(scores, order=[self.a, self.b])
            if not comparison.pairs:
                return self.missing(f"{NOT_MEASURED} ({self.a} and {self.b} have no judged "
                                    f"runs in {found.label})")
            chosen, paired = comparison.pairs[0], comparison.design.startswith("complete")
        wide = scores.groupby(["task_id", "protocol"])["q"].mean().unstack()
        readings = [
            Reading(f"{self.a} vs {self.b}", chosen.rel_diff, percent=True),
            Reading("d (pooled SD, the paper's definition)", chosen.d_pooled, digits=2),
        ]
        if paired:
            readings.append(Reading("d_z (paired)", chosen.d, digits=2))
        readings.append(Reading(chosen.test.test or "test", chosen.test))
        differs = _with_tasks(found.differs, chosen.rel_diff.n if paired
                              else int(scores["task_id"].nunique()), self.setting.tasks)
        return ClaimResult(self, here=found.label + (f" ({note})" if note else ""),
                           differs=differs, readings=tuple(readings), test=chosen.test,
                           test_key=key,
                           power=_paired_power(wide, self.a, self.b, rank_test=paired)
                           if paired else None)


def _organisations(design: Design, coverage: Coverage) -> tuple[str, ...]:
    """The self-organising protocols of the study (controls and fixed-size ones left out)."""
    return tuple(p for p in design.organisations(coverage.protocols) if p not in design.fixed_n)


@dataclass(frozen=True, kw_only=True)
class ScalingClaim(ReferenceClaim):
    """Q does not change with N: task-blocked slope and Friedman, Kruskal-Wallis as the paper."""

    def locate(self, design: Design, coverage: Coverage) -> Match | str:
        return match(self.setting, _organisations(design, coverage), coverage, min_ns=2)

    def measure(self, ctx: ClaimContext) -> ClaimResult:
        organisations = _organisations(ctx.design, ctx.coverage)
        found = self.locate(ctx.design, ctx.coverage)
        if isinstance(found, str):
            return self.missing(found)
        q = judged(found.rows(ctx.frame, organisations))[["task_id", "n_agents", "q"]]
        slope = log2_slope(q)
        by_n = q.groupby(["n_agents", "task_id"])["q"].mean().groupby("n_agents").mean()
        readings = (
            Reading("task-blocked slope of Q per doubling of N", slope),
            Reading("Friedman across N", friedman_by_n(q)),
            Reading("Kruskal-Wallis (the paper's test)", kruskal_by_n(q), digits=2),
            Reading("Q by N", text=" / ".join(f"{v:.3f}" for v in by_n.to_numpy())),
        )
        power = None
        if slope.value is not None:
            power = PowerInput("slope", float(slope.extra["residual_sd"]), float(q["q"].mean()))
        differs = _with_tasks((*found.differs, f"protocols {', '.join(organisations)} pooled"),
                              slope.n, self.setting.tasks)
        return ClaimResult(self, here=found.label, differs=differs, readings=readings,
                           test=slope, power=power)


@dataclass(frozen=True, kw_only=True)
class CostClaim(ReferenceClaim):
    """Cost grows sub-linearly with N: the task-blocked exponent b of cost ~ N^b.

    protocol: the protocol the paper measured (None: the self-organising protocols pooled).
    """

    protocol: str | None = None

    def measure(self, ctx: ClaimContext) -> ClaimResult:
        protocols = ((self.protocol,) if self.protocol
                     else _organisations(ctx.design, ctx.coverage))
        found = match(self.setting, protocols, ctx.coverage, min_ns=2)
        if isinstance(found, str):
            return self.missing(found)
        rows = found.rows(ctx.frame, protocols)
        finished = rows[rows["status"] == "ok"]
        unit = ("cost_usd" if len(finished) and bool((finished["cost_usd"] > 0).all())
                else "tokens")
        b = cost_exponent(finished[["task_id", "n_agents", unit]], cost=unit)
        verdict = {True: "yes (CI below 1)", False: "not shown (CI reaches 1)",
                   None: "no verdict"}[b.extra.get("sublinear")]
        return ClaimResult(self, here=f"{found.label}; cost in {unit}",
                           differs=_with_tasks(found.differs, b.n, self.setting.tasks),
                           readings=(Reading("b", b), Reading("sub-linear", text=verdict)))


@dataclass(frozen=True, kw_only=True)
class CapabilityClaim(ReferenceClaim):
    """Imposed roles help some models and hurt others: task-blocked structure x model."""

    def locate(self, design: Design, coverage: Coverage) -> Match | str:
        found = match(self.setting, (FREE_COUNTERPART, FIXED), coverage)
        if isinstance(found, Match) and len(found.models) < 2:
            return f"{NOT_MEASURED} (one model only: {', '.join(found.models)})"
        return found

    def measure(self, ctx: ClaimContext) -> ClaimResult:
        found = self.locate(ctx.design, ctx.coverage)
        if isinstance(found, str):
            return self.missing(found)
        same = (len(found.ns) == 1 and found.levels == ctx.coverage.levels
                and set(found.models) == set(ctx.coverage.models))
        existing = ctx.capability.get(found.ns[0]) if same else None
        key = None
        if existing is not None:
            result, key = existing.result, capability_key(found.ns[0], "interaction")
        else:
            rows = judged(found.rows(ctx.frame, (FREE_COUNTERPART, FIXED)))
            data = rows.assign(structure=rows["protocol"].map(
                {FREE_COUNTERPART: "free", FIXED: FIXED}))
            result = capability(data[["structure", "model", "q", "task_id"]])
        per_model = "; ".join(f"{m} {_percent(s)}" for m, s in result.per_model.items())
        readings = (Reading("interaction", result.interaction, digits=2),
                    Reading("free vs fixed, all models", result.structure, digits=2),
                    Reading("free vs fixed per model", text=per_model))
        power = None
        ms_error = result.interaction.extra.get("ms_error")
        if ms_error is not None:
            fixed = judged(found.rows(ctx.frame, (FIXED,)))["q"]
            power = PowerInput("paired", math.sqrt(2 * float(ms_error)), float(fixed.mean()))
        return ClaimResult(self, here=found.label,
                           differs=_with_tasks(found.differs, result.interaction.n,
                                               self.setting.tasks),
                           readings=readings, test=result.interaction, test_key=key,
                           power=power)


def _percent(stat: Stat) -> str:
    return "n/a" if stat.value is None else f"{100 * stat.value:+.1f}%"


@dataclass(frozen=True, kw_only=True)
class OpenClosedClaim(ReferenceClaim):
    """Open-weight models reach most of the closed ones' quality at a fraction of the price."""

    protocol: str = "sequential"

    def locate(self, design: Design, coverage: Coverage) -> Match | str:
        found = match(self.setting, (self.protocol,), coverage)
        if isinstance(found, str):
            return found
        open_models = [m for m in found.models if coverage.open_weights.get(m, False)]
        if not open_models or len(open_models) == len(found.models):
            which = "open-weights" if not open_models else "closed-weights"
            return f"{NOT_MEASURED} (no {which} model in the study)"
        return found

    def measure(self, ctx: ClaimContext) -> ClaimResult:
        found = self.locate(ctx.design, ctx.coverage)
        if isinstance(found, str):
            return self.missing(found)
        open_models = [m for m in found.models if ctx.coverage.open_weights.get(m, False)]
        closed = [m for m in found.models if m not in open_models]
        rows = found.rows(ctx.frame, (self.protocol,))
        finished = rows[rows["status"] == "ok"]
        finished = finished.assign(open=finished["model"].isin(open_models))
        quality, test = group_ratio(judged(finished), "q", True, "judged runs", Q_RANGE)
        cost, _ = group_ratio(finished, "cost_usd", False, "finished runs", (0.0, None))
        price = list_price_ratio(open_models, closed, ctx.design)
        readings = (Reading("quality ratio open/closed", quality),
                    Reading(test.test or "test", test, digits=2),
                    Reading("cost per run closed/open", cost, digits=1),
                    Reading("list price ratio", text="n/a" if price is None else f"{price:.1f}x"))
        scores = judged(finished).groupby(["task_id", "open"])["q"].mean().unstack()
        scores = scores.rename(columns={True: "open", False: "closed"})
        power = None
        if {"open", "closed"} <= set(scores.columns):
            power = _paired_power(scores, "open", "closed", rank_test=False)
        return ClaimResult(self, here=f"{found.label}; open {', '.join(open_models)} vs "
                           f"closed {', '.join(closed)}",
                           differs=_with_tasks(found.differs, quality.extra.get("n_a", 0),
                                               self.setting.tasks),
                           readings=readings, test=test, power=power)


@dataclass(frozen=True, kw_only=True)
class ComplexityClaim(ReferenceClaim):
    """Quality falls from L1 to L4: the drop, the pooled-SD d (as the paper) and Welch's t."""

    def _protocols(self, coverage: Coverage) -> tuple[str, ...]:
        """Every protocol that ran at one of the paper's N (all protocols pooled, as the paper)."""
        wanted = set(self.setting.n_agents)
        return tuple(p for p in sorted(coverage.protocols)
                     if not wanted or coverage.ns.get(p, frozenset()) & wanted)

    def locate(self, design: Design, coverage: Coverage) -> Match | str:
        protocols = self._protocols(coverage)
        if not protocols:
            return (f"{SETTING_NOT_RUN} (needs N = {'/'.join(map(str, self.setting.n_agents))};"
                    f" this study has N = "
                    f"{', '.join(map(str, sorted(set().union(*coverage.ns.values()))))})")
        found = match(self.setting, protocols, coverage)
        if isinstance(found, Match) and found.levels != self.setting.levels:
            return (f"{SETTING_NOT_RUN} (needs {' and '.join(self.setting.levels)}; this study "
                    f"has {', '.join(found.levels)})")
        return found

    def measure(self, ctx: ClaimContext) -> ClaimResult:
        protocols = self._protocols(ctx.coverage)
        found = self.locate(ctx.design, ctx.coverage)
        if isinstance(found, str):
            return self.missing(found)
        rows = judged(found.rows(ctx.frame, protocols))[["task_id", "protocol", "level", "q"]]
        result = level_drop(rows)
        readings = (Reading("drop", result.drop, percent=True),
                    Reading("d (pooled SD, the paper's definition)", result.d, digits=2),
                    Reading("Welch's t", result.test, digits=2))
        tasks = rows.groupby(["level", "task_id"])["q"].mean()
        power = None
        first, last = self.setting.levels
        groups = [tasks.loc[lv].to_numpy() for lv in (first, last) if lv in tasks.index]
        if len(groups) == 2 and min(g.size for g in groups) >= 2:
            pooled = math.sqrt(((groups[0].size - 1) * groups[0].var(ddof=1)
                                + (groups[1].size - 1) * groups[1].var(ddof=1))
                               / (groups[0].size + groups[1].size - 2))
            power = PowerInput("two-sample", pooled, float(groups[0].mean()))
        differs = (*found.differs, f"protocols {', '.join(protocols)} pooled")
        return ClaimResult(self, here=found.label,
                           differs=_with_tasks(differs, result.d.n, self.setting.tasks),
                           readings=readings, test=result.test, power=power)


@dataclass(frozen=True, kw_only=True)
class RolesClaim(ReferenceClaim):
    """Many distinct role names emerge (pooled over every protocol and model at one N)."""

    def measure(self, ctx: ClaimContext) -> ClaimResult:
        table = ctx.roles_by_n
        present = set(table["n_agents"].astype(int)) if len(table) else set()
        ns = [n for n in self.setting.n_agents if n in present]
        if not ns:
            return self.missing(f"{SETTING_NOT_RUN} (needs N = "
                                f"{'/'.join(map(str, self.setting.n_agents))}; this study "
                                f"has N = {', '.join(map(str, sorted(present))) or 'none'})")
        by_n = table.set_index("n_agents")
        parts = []
        for n in ns:
            row = by_n.loc[n]
            share = ("no agent took a role" if math.isnan(row["share_once"])
                     else f"{100 * row['share_once']:.0f}% used once")
            parts.append(f"N = {n}: {int(row['n_roles_raw'])} raw names, "
                         f"{int(row['n_roles_norm'])} normalised; {share} "
                         f"({int(row['n_runs'])} runs)")
        return ClaimResult(self, here="all protocols and models pooled",
                           differs=("names also counted after normalisation (case, "
                                    "punctuation, plurals)",),
                           readings=(Reading("roles", text="; ".join(parts)),))


@dataclass(frozen=True, kw_only=True)
class AbstentionClaim(ReferenceClaim):
    """Agents abstain on their own; a coordinator idles agents instead."""

    def measure(self, ctx: ClaimContext) -> ClaimResult:
        pooled = ctx.settings.get("")
        summaries = pooled.summaries if pooled is not None else {}
        shown = [p for p in ("sequential", "coordinator") if p in summaries]
        if not shown:
            return self.missing(f"{NOT_MEASURED} (neither sequential nor coordinator run)")
        readings = [Reading(f"{p} voluntary", summaries[p].stats["abstention_voluntary"],
                            brief=True) for p in shown]
        readings += [Reading(f"{p} directed", summaries[p].stats["abstention_directed"],
                             brief=True) for p in shown]
        at = ctx.by_n[(ctx.by_n["metric"] == "abstention") & (ctx.by_n["n_agents"] == 256)] \
            if len(ctx.by_n) else ctx.by_n
        idle = (f"{100 * at['value'].mean():.0f}% (mean over protocols and models)" if len(at)
                else "setting not run (N = 256)")
        readings.append(Reading("idle share at N = 256", text=idle))
        return ClaimResult(self, here="per protocol, all settings pooled (share of "
                           "final-round turns)",
                           differs=("the paper does not state the setting of its 60 agents; "
                                    "N, levels and models pooled here",),
                           readings=tuple(readings))


@dataclass(frozen=True, kw_only=True)
class ResilienceClaim(ReferenceClaim):
    """Protocols differ in how much quality survives a shock (shocked / baseline twins).

    shocks: the configured shocks shown (() = every one).
    """

    shocks: tuple[str, ...] = ()
    protocols: tuple[str, ...] = ("coordinator", "sequential", "broadcast", "shared")

    def measure(self, ctx: ClaimContext) -> ClaimResult:
        shocks = [s for s in ctx.design.shocks if not self.shocks or s in self.shocks]
        if not shocks:
            return self.missing(f"{NOT_MEASURED} ({NO_SHOCKS})")
        protocols = [p for p in self.protocols if p in ctx.coverage.protocols]
        if not protocols:
            return self.missing(f"{SETTING_NOT_RUN} (none of {', '.join(self.protocols)} in "
                                "this study)")
        found = match(self.setting, protocols, ctx.coverage)
        if isinstance(found, str):
            return self.missing(found)
        readings = []
        for shock in shocks:
            for protocol in protocols:
                stat = resilience_of(found.rows(ctx.frame, (protocol,)),
                                     found.rows(ctx.shocked[ctx.shocked["shock"] == shock],
                                                (protocol,)))
                readings.append(Reading(f"{protocol} under {shock}", stat, brief=True))
        what = "; ".join(f"{name} = {ctx.design.shocks[name]}" for name in shocks)
        return ClaimResult(self, here=f"{found.label}; mean Q shocked / baseline twins, task "
                           "means paired",
                           differs=(*found.differs, f"shock here: {what} (the paper does not "
                                    "define its shocks or the measure)"),
                           readings=tuple(readings))


def _series(table: pd.DataFrame, protocol: str, key: str, label: str) -> str:
    """'label=v' pairs of one protocol's breakdown metric (models averaged)."""
    mine = table[table["protocol"] == protocol].groupby(key)["value"].mean()
    return ", ".join(f"{label}{k}: {v:.2f}" for k, v in mine.items())


@dataclass(frozen=True, kw_only=True)
class HierarchyClaim(ReferenceClaim):
    """Hierarchy deepens with N and with complexity (mean depth per N and per level)."""

    def measure(self, ctx: ClaimContext) -> ClaimResult:
        if not len(ctx.by_n):
            return self.missing(f"{NOT_MEASURED} (no finished runs)")
        by_n = ctx.by_n[ctx.by_n["metric"] == "hierarchy_depth"]
        by_level = ctx.by_level[ctx.by_level["metric"] == "hierarchy_depth"]
        organisations = ctx.design.organisations(set(by_n["protocol"]))
        if not organisations:
            return self.missing(f"{NOT_MEASURED} (no finished runs of a self-organising "
                                "protocol)")
        protocol = "sequential" if "sequential" in organisations else organisations[0]
        return ClaimResult(self, here=f"{protocol}, task means (models averaged)",
                           differs=("depth = agents on the longest chain of `follows` links; "
                                    "the paper does not say how it found dependencies",),
                           readings=(Reading("by N", text=_series(by_n, protocol, "n_agents",
                                                                  "N=")),
                                     Reading("by level", text=_series(by_level, protocol,
                                                                      "level", ""))))


@dataclass(frozen=True, kw_only=True)
class JudgeClaim(ReferenceClaim):
    """Judging is reliable (implicit in the paper): the panel's agreement statistics."""

    def measure(self, ctx: ClaimContext) -> ClaimResult:
        icc = ctx.reliability.get("icc2k")
        alpha = ctx.reliability.get("krippendorff_alpha")
        readings = tuple(Reading(label, stat, digits=2, brief=True) for label, stat in
                         (("ICC(2,k)", icc), ("Krippendorff's alpha", alpha)) if stat is not None)
        return ClaimResult(self, here="the whole judge panel: "
                           + (", ".join(ctx.coverage.judges) or "none"),
                           readings=readings)
