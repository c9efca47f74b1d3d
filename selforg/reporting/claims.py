"""The table "reference study vs this study": every headline claim of docs/reference.md.

Each row gives the claim, the paper's figure and the setting it was measured in, this study's
figure (estimate, CI, n, test) and the setting it was measured in here, or "not measured in
this study (why)". Where this study ran the paper's exact setting (same protocols, N and level)
that setting is used; otherwise the pooled one, and the row says which.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd

from selforg.analysis.comparisons import SettingResult
from selforg.analysis.descriptives import point
from selforg.analysis.findings import Findings
from selforg.analysis.result import Stat
from selforg.analysis.stats import PairComparison
from selforg.reporting.document import Block, Heading, Paragraph, Table
from selforg.reporting.open_questions import CLAIM_ROWS as OPEN_QUESTION_ROWS
from selforg.reporting.sections_effects import NO_SHOCKS
from selforg.reporting.text import est, full, p_is

NOT_MEASURED = "not measured in this study"


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


def _oriented(result: SettingResult, a: str, b: str) -> tuple[PairComparison, Stat, Stat] | None:
    """The pair a vs b of a setting with rel diff and d oriented as a over b."""
    found = result.pair(a, b)
    if found is None:
        return None
    pair, reversed_ = found
    if reversed_:
        return pair, _inverse(pair.rel_diff), _negated(pair.d)
    return pair, pair.rel_diff, pair.d


def _pair_text(pair: PairComparison, rel: Stat, d: Stat, a: str, b: str) -> str:
    return (f"{a} vs {b}: {est(rel, percent=True, sign=True)}; d = {est(d, 2)}; "
            f"{pair.test.test or 'test'} {p_is(pair.test.p)}, Holm {p_is(pair.p_holm)}; "
            f"n = {rel.n}"
            + (f" ({rel.note})" if rel.value is None else ""))


def _pooled_scope(findings: Findings) -> str:
    models = sorted({c.setting.model or "" for c in findings.cells})
    ns = sorted({c.setting.n_agents or 0 for c in findings.cells})
    return (f"all settings pooled, task as block (models {', '.join(models) or 'none'}; "
            f"N {', '.join(map(str, ns)) or 'none'})")


def _pair_claim(findings: Findings, a: str, b: str, n: int, level: str) -> tuple[str, str]:
    """this study's figure and setting for a vs b, in the paper's (N, level) if it ran."""
    ran = set(findings.pooled.summaries)
    absent = [p for p in (a, b) if p not in ran]
    if absent:
        return f"{NOT_MEASURED} (protocol {' and '.join(absent)} not run)", "-"
    exact = [r for r in findings.levels if r.setting.n_agents == n and r.setting.level == level]
    for result in [*exact, findings.pooled]:
        found = _oriented(result, a, b)
        if found is not None:
            scope = (result.setting.label if result.setting.model
                     else _pooled_scope(findings))
            return _pair_text(*found, a, b), scope
    return f"{NOT_MEASURED} ({a} and {b} have no judged runs in a common setting)", "-"


def _best_worst(findings: Findings) -> tuple[str, str]:
    means = {p: point(s) for p, s in findings.pooled.comparison.means.items()
             if p not in findings.design.controls and point(s) is not None}
    if len(means) < 2:
        return (f"{NOT_MEASURED} (fewer than 2 non-control protocols with judged runs: "
                f"{', '.join(means) or 'none'})", "-")
    best = max(means, key=lambda p: means[p] or 0.0)
    worst = min(means, key=lambda p: means[p] or 0.0)
    found = _oriented(findings.pooled, best, worst)
    if found is None:
        return f"{NOT_MEASURED} (no comparison of {best} and {worst})", "-"
    return _pair_text(*found, best, worst), _pooled_scope(findings)


def _scaling(findings: Findings) -> tuple[str, str]:
    large = [s for s in findings.scaling if s.scope.startswith("organisations pooled, N")]
    s = (large or [findings.scaling[0]])[0]
    if len(s.ns) < 2:
        return (f"{NOT_MEASURED} (one value of N among the self-organising protocols: "
                f"{', '.join(map(str, s.ns)) or 'none'})", "-")
    return (f"Kruskal-Wallis {full(s.kruskal, 2)}; slope of Q per doubling {full(s.slope)}",
            f"{s.scope}, N = {', '.join(map(str, s.ns))}")


def _cost(findings: Findings) -> tuple[str, str]:
    s = findings.scaling[0]
    if len(s.ns) < 2:
        return f"{NOT_MEASURED} (one value of N: {', '.join(map(str, s.ns)) or 'none'})", "-"
    verdict = {True: "sub-linear (CI below 1)", False: "not shown sub-linear (CI reaches 1)",
               None: "no verdict"}[s.cost.extra.get("sublinear")]
    scope = f"{s.scope}, N = {', '.join(map(str, s.ns))}, cost in {s.cost_unit}"
    return f"b = {full(s.cost)}; {verdict}", scope


def _capability(findings: Findings) -> tuple[str, str]:
    if "fixed_roles" not in findings.pooled.summaries:
        return f"{NOT_MEASURED} (protocol fixed_roles not run)", "-"
    at_8 = [c for c in findings.capability if c.n_agents == 8]
    c = (at_8 or findings.capability)[0]
    if len(c.models) < 2:
        return f"{NOT_MEASURED} (one model only: {', '.join(c.models) or 'none'})", "-"
    per_model = "; ".join(f"{m} {est(s, percent=True, sign=True)}"
                          for m, s in c.result.per_model.items())
    scope = "N pooled" if c.n_agents is None else f"N = {c.n_agents}"
    return (f"interaction {full(c.result.interaction, 2)}; free vs fixed: {per_model}",
            f"{scope}, models {', '.join(c.models)}")


def _open_closed(findings: Findings) -> tuple[str, str]:
    rows = {o.protocol: o for o in findings.open_closed}
    o = rows.get("sequential", rows[None])
    if not o.open_models or not o.closed_models:
        which = "open-weights" if not o.open_models else "closed-weights"
        return f"{NOT_MEASURED} (no {which} model in the study)", "-"
    price = "n/a" if o.list_price_ratio is None else f"{o.list_price_ratio:.1f}x"
    return (f"quality ratio {full(o.quality_ratio)}; cost per run closed/open "
            f"{full(o.cost_ratio, 1)}; list price ratio {price}",
            f"{o.protocol or 'all protocols'}; open {', '.join(o.open_models)} vs closed "
            f"{', '.join(o.closed_models)}")


def _complexity(findings: Findings) -> tuple[str, str]:
    r = findings.complexity[0].result
    if "L1" not in r.means or "L4" not in r.means:
        return f"{NOT_MEASURED} (levels L1 and L4 not both run)", "-"
    return (f"drop {full(r.drop, percent=True)}; d = {est(r.d, 2)}; Welch's t "
            f"{p_is(r.test.p)}", "all protocols, models and N pooled (task means)")


def _roles(findings: Findings) -> tuple[str, str]:
    if findings.roles_by_n.empty:
        return f"{NOT_MEASURED} (no finished runs with roles)", "-"
    by_n = findings.roles_by_n.set_index("n_agents")
    teams = by_n[by_n.index > 1] if (by_n.index > 1).any() else by_n
    n = 8 if 8 in teams.index else int(teams["n_runs"].idxmax())
    row = by_n.loc[n]
    scope = f"N = {n}, all protocols and models, {int(row['n_runs'])} runs"
    if math.isnan(row["share_once"]):
        return "no agent took a role", scope
    return (f"{int(row['n_roles_raw'])} distinct raw names, {int(row['n_roles_norm'])} after "
            f"normalisation; {100 * row['share_once']:.0f}% used once"), scope


def _abstention(findings: Findings) -> tuple[str, str]:
    s = findings.pooled.summaries
    parts = [f"{p}: voluntary {est(s[p].stats['abstention_voluntary'])}, directed "
             f"{est(s[p].stats['abstention_directed'])}" for p in ("sequential", "coordinator")
             if p in s]
    if not parts:
        return f"{NOT_MEASURED} (neither sequential nor coordinator run)", "-"
    return "; ".join(parts), "per protocol, all settings pooled (share of final-round turns)"


def _series(table: pd.DataFrame, protocol: str, key: str, label: str) -> str:
    """'label=v' pairs of one protocol's breakdown metric (models averaged)."""
    mine = table[table["protocol"] == protocol].groupby(key)["value"].mean()
    return ", ".join(f"{label}{k}: {v:.2f}" for k, v in mine.items())


def _hierarchy(findings: Findings) -> tuple[str, str]:
    by_n = findings.by_n[findings.by_n["metric"] == "hierarchy_depth"]
    by_level = findings.by_level[findings.by_level["metric"] == "hierarchy_depth"]
    organisations = findings.design.organisations(set(by_n["protocol"]))
    if not organisations:
        return f"{NOT_MEASURED} (no finished runs of a self-organising protocol)", "-"
    protocol = "sequential" if "sequential" in organisations else organisations[0]
    return (f"{protocol}: {_series(by_n, protocol, 'n_agents', 'N=')}; "
            f"{_series(by_level, protocol, 'level', '')}",
            f"{protocol}, task means (models averaged)")


def _resilience(findings: Findings) -> tuple[str, str]:
    if not findings.design.shocks:
        return f"{NOT_MEASURED} ({NO_SHOCKS})", "-"
    paper = ("coordinator", "sequential", "broadcast", "shared")
    shown = [r for r in findings.resilience if r.protocol in paper] or findings.resilience
    if not shown:
        return f"{NOT_MEASURED} (no protocol that can be shocked was run)", "-"
    figures = "; ".join(f"{r.protocol} under {r.shock}: {est(r.stat)}, n = {r.stat.n}"
                        for r in shown)
    shocks = "; ".join(f"{name} = {what}" for name, what in findings.design.shocks.items())
    return figures, (f"mean Q shocked / baseline twins, task means paired, models and N "
                     f"pooled; {shocks}")


CLAIMS = [
    ("Sequential beats coordinator by about 14%",
     "+14.1% (Q 0.875 vs 0.767), p < 0.001, test not named",
     "Claude Sonnet 4.6, 16 agents, L3, 120 tasks, judge GPT-5.4",
     lambda f: _pair_claim(f, "sequential", "coordinator", 16, "L3")),
    ("Best and worst protocol differ by 44%", "sequential 0.724 vs shared 0.503: +44%, "
     "d = 1.86, p < 0.0001", "GPT-4.1-mini, 8 agents, L3 + L4 (pilot)", _best_worst),
    ("No quality change from 64 to 256 agents", "Q 0.964 / 0.962 / 0.958 / 0.967, "
     "Kruskal-Wallis H = 1.84, p = 0.61", "self-organising, L1, N = 64/96/128/256, 6,000 runs",
     _scaling),
    ("Cost grows sub-linearly with N", "tokens +11.8% from N = 8 to 64 (b about 0.05); "
     "64 -> 256 agents costs 4.6x (b about 1.10, not sub-linear)",
     "fixed roles, GPT-4.1-mini (8-64); self-organising (64-256)", _cost),
    ("Capability reversal: free roles help strong models, hurt weak ones",
     "Claude +3.5% (0.594 vs 0.574), GLM-5 -9.6% (0.519 vs 0.574); no n or test",
     "8 agents, free vs fixed roles", _capability),
    ("Open models reach 95% of closed quality at about 24x lower price",
     "DeepSeek v3.2 0.829 vs Claude 0.875 (95%, p < 0.001); about 24x lower API price",
     "16 agents, sequential, L3", _open_closed),
    ("Quality falls 37.7% from L1 to L4", "L1 0.986 -> L4 0.614, d = 22.9",
     "32/64 agents, GPT-4.1-mini, 1,800 tasks", _complexity),
    ("5,006 unique roles emerge", "5,006 names with 8 agents, 5,010 with 64 (raw strings); "
     "54% used once at N = 64", "all series, no normalisation described", _roles),
    ("Agents abstain on their own", "38 of 60 non-contributors withdrew voluntarily under "
     "sequential; the coordinator excluded all 60; about 45% idle at N = 256",
     "sequential vs coordinator; N = 256", _abstention),
    ("Protocols differ in resilience to shocks", "coordinator 0.774, sequential 0.829, "
     "broadcast 0.580, shared 0.589; the shock and the measure are not defined",
     "8 agents, GPT-4.1-mini, L3 + L4 (pilot)", _resilience),
    ("Hierarchy deepens with N and complexity", "depth 1.0 at N = 4 to 2.0 at N = 64; "
     "1.22 (L1) to 1.56 (L4)", "dependency detection not stated", _hierarchy),
]


def claims(findings: Findings) -> list[Block]:
    """The reference-vs-this-study table."""
    rows = []
    for claim, paper, paper_setting, measure in [*CLAIMS, *OPEN_QUESTION_ROWS]:
        figure, here = measure(findings)
        rows.append([claim, paper, paper_setting, figure, here])
    judge = findings.reliability
    rows.append(["Judging is reliable (implicit)", "one judge (GPT-4o, later GPT-5.4), no "
                 "agreement check", "all series",
                 f"ICC(2,k) {full(judge['icc2k'], 2)}; alpha "
                 f"{full(judge['krippendorff_alpha'], 2)}", "the whole judge panel"])
    return [
        Heading("Reference study vs this study"),
        Paragraph("Each headline claim of arXiv 2603.28990 (figures from docs/reference.md) "
                  "next to what this study measured. A claim this study's design cannot test "
                  "says so and why; figures from different settings are never mixed."),
        Table(["claim", "paper's figure", "paper's setting", "this study", "setting here"],
              rows),
    ]
