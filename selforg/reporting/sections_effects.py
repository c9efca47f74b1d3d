"""Report sections: scaling with N, capability threshold, open vs closed, complexity,
resilience to shocks."""

from __future__ import annotations

import pandas as pd

from selforg.analysis.breakdowns import pick
from selforg.analysis.effects import FIXED, FREE_COUNTERPART
from selforg.analysis.findings import Findings
from selforg.analysis.multiplicity import (
    capability_key,
    complexity_key,
    open_closed_key,
    scaling_key,
)
from selforg.analysis.resilience import NO_SHOCKS
from selforg.reporting.document import Block, Figure, Heading, Paragraph, Table
from selforg.reporting.text import est, full, num, tested


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
    """Task-blocked slope per doubling, Friedman across N, Kruskal-Wallis, cost exponent."""
    rows = []
    adjusted = findings.multiplicity.get
    for s in findings.scaling:
        sub = s.cost.extra.get("sublinear")
        rows.append([s.scope, ", ".join(map(str, s.ns)) or "none",
                     tested(s.slope, adjusted(scaling_key(s.scope, "slope"))),
                     tested(s.friedman, adjusted(scaling_key(s.scope, "friedman")), 2),
                     tested(s.kruskal, adjusted(scaling_key(s.scope, "kruskal")), 2),
                     f"{tested(s.cost, adjusted(scaling_key(s.scope, 'cost')))} "
                     f"[{s.cost_unit}]",
                     "n/a" if sub is None else ("yes" if sub else "no")])
    return [
        Heading("Scaling with the number of agents"),
        Paragraph("Exploratory. The same tasks run at every N, so the task is the block: the "
                  "slope of Q per doubling of N is an OLS fit of Q on log2 N with one intercept "
                  "per task (task fixed effects), and Friedman tests Q across N with tasks as "
                  "blocks (tasks run at every N; 3 or more N). Kruskal-Wallis, which treats "
                  "the N groups as independent, is the reference study's test, shown only to "
                  "compare with it: it misses most real trends. The cost exponent b of cost "
                  "~ N^b is the same task-blocked fit of ln cost on ln N (tokens when some run "
                  "cost 0 USD); sub-linear means the CI of b lies below 1. Fixed-size controls "
                  "are left out; pooled scopes average each (N, task) over the protocols and "
                  "models that ran it."),
        Table(["scope", "N", "slope of Q per doubling (task-blocked)",
               "Friedman across N (tasks as blocks)", "Kruskal-Wallis H (reference's test)",
               "cost exponent b (task-blocked)", "sub-linear"], rows)
        if any(len(s.ns) > 1 for s in findings.scaling) else
        Paragraph("Not measurable in this study: every protocol ran at one N ("
                  + ", ".join(sorted({str(n) for s in findings.scaling for n in s.ns}))
                  + "), and scaling needs two or more values of N in study.n_agents."),
        Table(["protocol", "model", "N", "Q [CI]", "tokens/run [CI]", "n tasks"],
              by_n_rows(findings, [("q", 3), ("tokens", 0)])),
        quality, cost,
    ]


def capability(findings: Findings) -> list[Block]:
    """Task-blocked structure x model; free roles (sequential) vs fixed_roles per model."""
    head: list[Block] = [
        Heading("Capability threshold: free roles vs fixed roles"),
        Paragraph(f"Exploratory (the N = 8 test is confirmatory when run). Both structures "
                  f"(free roles = `{FREE_COUNTERPART}`, fixed = `{FIXED}`) run the same tasks, "
                  "so the task is the block: per model and task the difference free - fixed "
                  "is taken first. The interaction (does imposing roles help some models and "
                  "hurt others?) tests whether those differences differ across models: a "
                  "repeated-measures ANOVA with tasks as subjects when every model ran the "
                  "same tasks (with two models, the paired t-test of the difference of "
                  "differences), else Welch's ANOVA of the differences. Structure: the paired "
                  "t-test of free - fixed over tasks. Per model: mean(free) / mean(fixed) - 1 "
                  "over the tasks both ran, with Fieller's CI."),
    ]
    ran = set(findings.pooled.summaries)
    if FIXED not in ran or FREE_COUNTERPART not in ran:
        absent = " and ".join(f"`{p}`" for p in (FREE_COUNTERPART, FIXED) if p not in ran)
        return [*head, Paragraph(f"Not measurable in this study: {absent} did not run (add "
                                 "both to study.protocols, with two or more models).")]
    rows = []
    adjusted = findings.multiplicity.get
    for c in findings.capability:
        scope = "N pooled (task means)" if c.n_agents is None else f"N = {c.n_agents}"
        per_model = "; ".join(f"{m}: {est(s, percent=True, sign=True)}"
                              for m, s in c.result.per_model.items())
        rows.append([scope, ", ".join(c.models) or "none",
                     tested(c.result.interaction,
                            adjusted(capability_key(c.n_agents, "interaction")), 2),
                     tested(c.result.structure,
                            adjusted(capability_key(c.n_agents, "structure")), 2),
                     per_model or "n/a"])
    return [*head, Table(["scope", "models", "interaction F (task-blocked)",
                          "structure t (paired)", "free vs fixed per model [CI]"], rows)]


def open_closed(findings: Findings) -> list[Block]:
    """Quality and price ratios of open- vs closed-weight models."""
    pooled = findings.open_closed[0]
    if not pooled.open_models or not pooled.closed_models:
        which = "open" if not pooled.closed_models else "closed"
        return [Heading("Open vs closed models"),
                Paragraph(f"Not measurable in this study: every model is {which}-weights "
                          "(models[].open_weights); the comparison needs at least one of each.")]
    rows = []
    for o in findings.open_closed:
        rows.append([o.protocol or "all protocols pooled", ", ".join(o.open_models) or "none",
                     ", ".join(o.closed_models) or "none", full(o.quality_ratio),
                     tested(o.quality_test, findings.multiplicity.get(open_closed_key(o.protocol)),
                            2),
                     full(o.cost_ratio), num(o.list_price_ratio, 1)])
    return [
        Heading("Open vs closed models"),
        Paragraph("Exploratory. Quality ratio = mean Q of the open-weight models / mean Q of "
                  "the closed ones (task means, paired by task when both ran the same tasks; "
                  "Fieller CI), with the paired t-test of those task means (Welch's t when the "
                  "tasks differ). "
                  "Cost ratio = USD per run of the closed models / open ones (how many times "
                  "cheaper the open models ran). List price ratio = blended list price "
                  "(mean of input and output USD per million tokens) closed / open."),
        Table(["protocol", "open models", "closed models", "quality ratio open/closed",
               "test of equal quality", "cost ratio closed/open", "list price ratio"], rows),
    ]


def complexity(findings: Findings, figure: Figure) -> list[Block]:
    """Q by level and the L1 -> L4 drop with its d and Welch test."""
    pooled = findings.complexity[0].result
    level_rows = [[level, full(stat)] for level, stat in pooled.means.items()]
    rows = [[c.protocol or "all protocols pooled", full(c.result.drop, percent=True),
             full(c.result.d, 2),
             tested(c.result.test, findings.multiplicity.get(complexity_key(c.protocol)), 2)]
            for c in findings.complexity]
    return [
        Heading("Complexity: quality by task level"),
        Paragraph("Exploratory. Q per level (task means; all protocols, models and N pooled), "
                  "and the drop 1 - mean(L4) / mean(L1). Levels hold different tasks, so no "
                  "task can block this comparison: the unit is the task, the CI of the drop is "
                  "Fieller's for independent samples, d is the between-group pooled-SD d (the "
                  "reference study's definition) and the test is Welch's t."),
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
                  "models and N pooled, paired Fieller CI (docs/metrics.md). 1 = the shock "
                  "cost nothing. Shocked runs appear nowhere else in this report. Shocks: "
                  + "; ".join(f"{name} = {what}" for name, what in shocks.items()) + "."),
        Table(["protocol", "shock", "resilience [95% CI], n tasks"], rows),
    ]
