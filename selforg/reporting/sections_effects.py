"""Report sections: scaling with N, capability threshold, open vs closed, complexity,
resilience to shocks."""

from __future__ import annotations

import pandas as pd

from selforg.analysis.breakdowns import pick
from selforg.analysis.effects import FIXED, FREE_COUNTERPART
from selforg.analysis.findings import Findings
from selforg.reporting.document import Block, Figure, Heading, Paragraph, Table
from selforg.reporting.text import est, full, num, p_is

# Why resilience is not measured when the study configures no shock.
NO_SHOCKS = "no shock configured (study.shocks is empty), so no shocked runs were made"


def _with_ci(row: pd.Series, digits: int = 3) -> str:
    text = num(row["value"], digits)
    if pd.notna(row["ci_low"]) and pd.notna(row["ci_high"]):
        text += f" [{num(row['ci_low'], digits)}, {num(row['ci_high'], digits)}]"
    return text


def by_n_rows(findings: Findings, metrics: list[tuple[str, int]]) -> list[list[str]]:
    """One row per (protocol, model, N) with the given breakdown metrics and their CIs."""
    keys = ["protocol", "model", "n_agents"]
    tables = [pick(findings.by_n, m).set_index(keys) for m, _ in metrics]
    index = sorted(set().union(*(t.index for t in tables))) if tables else []
    rows = []
    for key in index:
        cells = []
        for (_, digits), table in zip(metrics, tables, strict=True):
            cells.append(_with_ci(table.loc[key], digits) if key in table.index else "n/a")
        n = tables[0].loc[key, "n"] if key in tables[0].index else 0
        rows.append([str(k) for k in key] + cells + [str(n)])
    return rows


def scaling(findings: Findings, quality: Figure, cost: Figure) -> list[Block]:
    """Kruskal-Wallis across N, OLS slope per doubling, cost exponent."""
    rows = []
    for s in findings.scaling:
        sub = s.cost.extra.get("sublinear")
        rows.append([s.scope, ", ".join(map(str, s.ns)) or "none", full(s.kruskal),
                     full(s.slope), f"{full(s.cost)} [{s.cost_unit}]",
                     "n/a" if sub is None else ("yes" if sub else "no")])
    return [
        Heading("Scaling with the number of agents"),
        Paragraph("Kruskal-Wallis H of Q across N (the reference study's test); OLS of Q on "
                  "log2 N, whose slope is the change in Q per doubling of the team; and the "
                  "cost exponent b of cost ~ N^b (OLS of ln cost on ln N, in tokens when some "
                  "run cost 0 USD). Sub-linear means the CI of b lies below 1. Fixed-size "
                  "controls are left out; pooled scopes average each (N, task) over the "
                  "protocols and models that ran it."),
        Table(["scope", "N", "Kruskal-Wallis H", "slope of Q per doubling", "cost exponent b",
               "sub-linear"], rows),
        Table(["protocol", "model", "N", "Q [CI]", "tokens/run [CI]", "n tasks"],
              by_n_rows(findings, [("q", 3), ("tokens", 0)])),
        quality, cost,
    ]


def capability(findings: Findings) -> list[Block]:
    """Two-way ANOVA structure x model; free roles (sequential) vs fixed_roles per model."""
    head: list[Block] = [
        Heading("Capability threshold: free roles vs fixed roles"),
        Paragraph(f"Two-way ANOVA (type II) of Q on structure (free roles = `{FREE_COUNTERPART}`"
                  f", fixed = `{FIXED}`) x model; the interaction's p says whether imposing "
                  "roles helps some models and hurts others. Per model: mean(free) / "
                  "mean(fixed) - 1, paired by task when both ran the same tasks."),
    ]
    rows = []
    for c in findings.capability:
        scope = "N pooled (task as block)" if c.n_agents is None else f"N = {c.n_agents}"
        per_model = "; ".join(f"{m}: {est(s, percent=True, sign=True)}"
                              for m, s in c.result.per_model.items())
        rows.append([scope, ", ".join(c.models) or "none", full(c.result.interaction),
                     full(c.result.structure), per_model or "n/a"])
    return [*head, Table(["scope", "models", "interaction F", "structure F",
                          "free vs fixed per model [CI]"], rows)]


def open_closed(findings: Findings) -> list[Block]:
    """Quality and price ratios of open- vs closed-weight models."""
    rows = []
    for o in findings.open_closed:
        rows.append([o.protocol or "all protocols pooled", ", ".join(o.open_models) or "none",
                     ", ".join(o.closed_models) or "none", full(o.quality_ratio),
                     full(o.cost_ratio), num(o.list_price_ratio, 1)])
    return [
        Heading("Open vs closed models"),
        Paragraph("Quality ratio = mean Q of the open-weight models / mean Q of the closed ones "
                  "(task means, paired by task when both ran the same tasks; bootstrap CI). "
                  "Cost ratio = USD per run of the closed models / open ones (how many times "
                  "cheaper the open models ran). List price ratio = blended list price "
                  "(mean of input and output USD per million tokens) closed / open."),
        Table(["protocol", "open models", "closed models", "quality ratio open/closed",
               "cost ratio closed/open", "list price ratio"], rows),
    ]


def complexity(findings: Findings, figure: Figure) -> list[Block]:
    """Q by level and the L1 -> L4 drop with its d and Welch test."""
    pooled = findings.complexity[0].result
    level_rows = [[level, full(stat)] for level, stat in pooled.means.items()]
    rows = [[c.protocol or "all protocols pooled", full(c.result.drop, percent=True),
             full(c.result.d, 2), f"{full(c.result.test, 2)}" if c.result.test.value is None
             else f"t = {num(c.result.test.value, 2)}, {p_is(c.result.test.p)}"]
            for c in findings.complexity]
    return [
        Heading("Complexity: quality by task level"),
        Paragraph("Q per level (task means; all protocols, models and N pooled), and the drop "
                  "1 - mean(L4) / mean(L1) with an independent bootstrap CI (levels hold "
                  "different tasks), Cohen's d of L1 over L4 and Welch's t-test."),
        Table(["level", "Q [CI], n, test"], level_rows),
        Table(["protocol", "L1 -> L4 drop", "Cohen's d", "Welch's t"], rows),
        figure,
    ]


def resilience(findings: Findings) -> list[Block]:
    """Resilience per protocol and shock, or why it was not measured."""
    heading = Heading("Resilience to shocks")
    shocks = findings.design.shocks
    if not shocks:
        return [heading, Paragraph(f"Resilience was not measured: {NO_SHOCKS}. Add shocks "
                                   "under study.shocks (docs/configuration.md) to measure it.")]
    rows = [[r.protocol, r.shock, full(r.stat)] for r in findings.resilience]
    return [
        heading,
        Paragraph("Resilience = mean Q of the shocked runs / mean Q of their baseline twins "
                  "(same model, protocol, N, replicate and task), task means paired, all "
                  "models and N pooled, paired bootstrap CI (docs/metrics.md). 1 = the shock "
                  "cost nothing. Shocked runs appear nowhere else in this report. Shocks: "
                  + "; ".join(f"{name} = {what}" for name, what in shocks.items()) + "."),
        Table(["protocol", "shock", "resilience [95% CI], n tasks"], rows),
    ]
