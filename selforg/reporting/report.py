"""The study report and every file the aggregate stage writes under reports/.

`build_report` orders the sections (docs/report.md describes each); `write_outputs` writes
metrics.json, the plot CSVs, the figures (SVG), the per-setting comparisons CSV and the report
as Markdown and as one self-contained HTML page.
"""

from __future__ import annotations

import json

import pandas as pd

from selforg.analysis.comparisons import SettingResult
from selforg.analysis.findings import Findings
from selforg.analysis.multiplicity import pair_key
from selforg.config import StudyConfig
from selforg.reporting.claims import claims
from selforg.reporting.document import Block, Figure, Heading, to_html, to_markdown
from selforg.reporting.figures import render_all
from selforg.reporting.metrics_json import flat_metrics
from selforg.reporting.open_questions import section as open_questions
from selforg.reporting.paths import ReportPaths
from selforg.reporting.plots import plot_tables, write_plots
from selforg.reporting.sections_core import (
    comparisons,
    confirmatory,
    headline,
    setting,
    warnings,
)
from selforg.reporting.sections_effects import (
    capability,
    complexity,
    open_closed,
    resilience,
    scaling,
)
from selforg.reporting.sections_human import human_ratings
from selforg.reporting.sections_other import emergent, failures, power, reliability
from selforg.reporting.sections_structured import structured_output

TITLE = "selforg study report"
COMPARISON_COLUMNS = [
    "scope", "model", "n_agents", "level", "a", "b", "design", "q_a", "q_b", "n_a", "n_b",
    "rel", "rel_ci_low", "rel_ci_high", "d", "d_ci_low", "d_ci_high", "d_pooled",
    "d_pooled_ci_low", "d_pooled_ci_high", "test", "statistic", "p", "p_adj", "adjustment",
    "family_size", "mde", "note",
]


def build_report(cfg: StudyConfig, findings: Findings, figures: dict[str, Figure]) -> list[Block]:
    """Every section, in the order of docs/report.md."""
    return [
        Heading(TITLE, 1),
        *warnings(cfg, findings),
        *setting(cfg, findings),
        *headline(findings, figures["quality_by_protocol"]),
        *confirmatory(findings),
        *comparisons(findings),
        *scaling(findings, figures["quality_by_n"], figures["cost_by_n"]),
        *capability(findings),
        *open_closed(findings),
        *complexity(findings, figures["quality_by_level"]),
        *resilience(findings),
        *open_questions(findings),
        *emergent(findings, figures["roles_by_n"]),
        *reliability(findings),
        *human_ratings(findings.human),
        *power(findings),
        *failures(findings),
        *structured_output(cfg, findings),
        *claims(findings),
    ]


def _comparison_rows(findings: Findings, result: SettingResult,
                     scope: str) -> list[dict[str, object]]:
    s, c = result.setting, result.comparison
    rows: list[dict[str, object]] = []
    for pair in c.pairs:
        found = findings.multiplicity.get(pair_key(pair.a, pair.b, s.suffix))
        rows.append({
            "scope": scope, "model": s.model, "n_agents": s.n_agents, "level": s.level,
            "a": pair.a, "b": pair.b, "design": c.design,
            "q_a": pair.rel_diff.extra.get("mean_a"), "q_b": pair.rel_diff.extra.get("mean_b"),
            "n_a": c.means[pair.a].n, "n_b": c.means[pair.b].n, "rel": pair.rel_diff.value,
            "rel_ci_low": pair.rel_diff.ci_low, "rel_ci_high": pair.rel_diff.ci_high,
            "d": pair.d.value, "d_ci_low": pair.d.ci_low, "d_ci_high": pair.d.ci_high,
            "d_pooled": pair.d_pooled.value, "d_pooled_ci_low": pair.d_pooled.ci_low,
            "d_pooled_ci_high": pair.d_pooled.ci_high,
            "test": pair.test.test, "statistic": pair.test.value, "p": pair.test.p,
            "p_adj": None if found is None else found.p_adj,
            "adjustment": None if found is None else found.method,
            "family_size": None if found is None else found.m,
            "mde": result.power[(pair.a, pair.b)].value,
            "note": "; ".join(n for n in (pair.test.note, pair.rel_diff.note, pair.d.note) if n),
        })
    return rows


def comparison_table(findings: Findings) -> pd.DataFrame:
    """Every pair of every setting (pooled, model x N, model x N x level) as one table."""
    rows = _comparison_rows(findings, findings.pooled, "pooled")
    for result in findings.cells:
        rows += _comparison_rows(findings, result, "model x N")
    for result in findings.levels:
        rows += _comparison_rows(findings, result, "model x N x level")
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def write_outputs(cfg: StudyConfig, findings: Findings, paths: ReportPaths) -> None:
    """Write metrics.json, plots, figures, comparisons.csv, report.md and report.html."""
    tables = plot_tables(findings)
    write_plots(tables, paths.plots)
    figures = render_all(tables)
    paths.figures.mkdir(parents=True, exist_ok=True)
    for old in paths.figures.glob("*.svg"):
        old.unlink()
    for figure in figures.values():
        if figure.svg is not None:
            (paths.figures / f"{figure.name}.svg").write_text(figure.svg)
    metrics = flat_metrics(findings)
    paths.metrics.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    comparison_table(findings).to_csv(paths.comparisons, index=False)
    blocks = build_report(cfg, findings, figures)
    paths.markdown.write_text(to_markdown(blocks, figure_dir=paths.figures.name))
    paths.html.write_text(to_html(blocks, TITLE))
