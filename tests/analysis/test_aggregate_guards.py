"""Degenerate studies: every statistic says "not computable (reason)", metrics.json holds null.

One protocol, one run, zero variance, no judgments, every run failed, and the embedded default
study's shape (one model, single and sequential, one N): none may crash the analysis, the
metrics or the report.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
import pytest

from selforg.analysis.aggregate import study_data
from selforg.analysis.findings import Findings, analyse
from selforg.analysis.settings import Design
from selforg.config import StudyConfig
from selforg.reporting.document import to_html, to_markdown
from selforg.reporting.figures import render_all
from selforg.reporting.metrics_json import flat_metrics
from selforg.reporting.plots import plot_tables
from selforg.reporting.report import build_report
from tests.analysis.test_aggregate_synthetic import QUALITY, Tables, synthetic_tables

PROTOCOLS = ("single", "sequential")


def design(protocols: tuple[str, ...] = PROTOCOLS) -> Design:
    return Design(protocols=protocols, models=("open",), fixed_n={"single": 1},
                  controls=frozenset({"single"}), open_weights={"open": True}, n_boot=100)


def config(protocols: tuple[str, ...] = PROTOCOLS) -> StudyConfig:
    return StudyConfig.model_validate({
        "models": [{"name": "open", "model": "scripted/instant", "open_weights": True},
                   {"name": "judge-a", "model": "scripted/instant-judge"},
                   {"name": "judge-b", "model": "scripted/instant-judge"}],
        "study": {"models": ["open"], "protocols": list(protocols), "n_agents": [4]},
        "judges": {"models": ["judge-a", "judge-b"], "samples": 2},
        "budget": {"max_usd": 1.0, "max_calls": 100},
    })


def small(protocols: tuple[str, ...] = PROTOCOLS) -> Tables:
    return synthetic_tables(per_level=2, ns=(4,), protocols=protocols, models=("open",),
                            fail_every=10_000)


def run_all(tables: Tables, protocols: tuple[str, ...] = PROTOCOLS) -> tuple[Findings, dict, str]:
    """Findings, metrics.json content and the Markdown report; the HTML is built too."""
    data = study_data(tables.tasks, tables.runs, tables.turns, tables.judgments)
    findings = analyse(data, design(protocols))
    metrics = flat_metrics(findings)
    assert all(v is None or (isinstance(v, int | float) and math.isfinite(v))
               for v in metrics.values())
    blocks = build_report(config(protocols), findings, render_all(plot_tables(findings)))
    assert "<html" in to_html(blocks, "t")
    return findings, metrics, to_markdown(blocks)


def with_judgments(tables: Tables, change: Callable[[pd.DataFrame], pd.DataFrame]) -> Tables:
    return Tables(tables.tasks, tables.runs, tables.turns, change(tables.judgments.copy()))


def test_one_protocol() -> None:
    findings, metrics, report = run_all(small(("sequential",)), ("sequential",))
    assert findings.pooled.comparison.pairs == []
    assert not any(k.startswith("rel.") for k in metrics)
    assert metrics["protocols.omnibus_p"] is None
    assert "not computable (fewer than 2 protocols with data)" in report


def test_one_run() -> None:
    tables = small(("sequential",))
    run_id = tables.runs["run_id"].iloc[0]
    one = Tables(tables.tasks, tables.runs[tables.runs["run_id"] == run_id],
                 tables.turns[tables.turns["run_id"] == run_id],
                 tables.judgments[tables.judgments["run_id"] == run_id])
    _, metrics, report = run_all(one, ("sequential",))
    assert metrics["q.sequential"] is None and metrics["q_n.sequential"] == 1
    assert metrics["scaling.kw_p"] is None and metrics["complexity.drop_l1_l4"] is None
    assert metrics["judge.icc2k"] is None
    assert "not computable (a CI needs at least 2 values)" in report


def test_zero_variance() -> None:
    def flat(j: pd.DataFrame) -> pd.DataFrame:
        j[[*QUALITY, "mission"]] = 3
        return j.assign(q=0.75, m=0.75)

    findings, metrics, report = run_all(with_judgments(small(), flat))
    pair = findings.pooled.comparison.pairs[0]
    assert pair.test.note == "all paired differences are zero"
    assert metrics["p.single_vs_sequential"] is None
    assert metrics["d.single_vs_sequential"] is None
    assert metrics["judge.icc2k"] is None and metrics["judge.alpha"] is None
    assert metrics["q.sequential"] == pytest.approx(0.75)
    assert metrics["q_ci_low.sequential"] is None  # every task tied: no interval claimed
    assert "not computable (all paired differences are zero)" in report
    assert "not computable (all ratings identical" in report


def test_no_judgments() -> None:
    findings, metrics, report = run_all(with_judgments(small(), lambda j: j.iloc[0:0]))
    assert metrics["q.sequential"] is None and metrics["q_n.sequential"] == 0
    assert metrics["judgments.total"] == 0
    assert metrics["judge.icc2k"] is None
    assert findings.flags  # a check that did not happen is itself a warning
    assert "not computable (no judged runs)" in report


def test_every_run_failed() -> None:
    tables = small()
    runs = tables.runs.assign(status="failed", error="provider down", final_answer=None)
    failed = Tables(tables.tasks, runs, tables.turns, tables.judgments.iloc[0:0])
    _, metrics, report = run_all(failed)
    assert metrics["runs.failed"] == metrics["runs.total"] == len(runs)
    assert metrics["error_rate.sequential"] == 1.0
    assert metrics["tokens_per_run.sequential"] is None
    assert "provider down" in report


def test_default_study_shape_says_what_it_cannot_measure() -> None:
    _, metrics, report = run_all(small())
    claims = report[report.index("## Reference study vs this study"):]
    assert "setting not run (protocol coordinator not in this study)" in claims
    assert "setting not run (protocol shared not in this study)" in claims
    assert "setting not run (needs N = 64/96/128/256 for sequential; this study has N = 4)" \
        in claims
    assert "setting not run (protocol fixed_roles not in this study)" in claims
    assert "setting not run (needs N = 16 for sequential; this study has N = 4)" in claims
    assert "Not measurable in this study: every protocol ran at one N (4)" in report
    assert "Not measurable in this study: every model is open-weights" in report
    assert "Not measurable in this study: `fixed_roles` did not run" in report
    # what the design cannot tell, and what it would take, said plainly
    adequacy = report[report.index("## Design adequacy"):]
    assert "### What this study cannot tell" in adequacy
    assert "Sequential beats coordinator by about 14%: setting not run" in adequacy
    assert "none could be computed here, since this study ran none of their settings" in report
    assert all(metrics[f"confirmatory_p.{k}"] is None for k in (
        "sequential_vs_coordinator", "scaling", "capability", "open_closed", "complexity"))
    assert metrics["adequacy_tasks.sequential_vs_coordinator"] > 8
    assert metrics["scaling.kw_p"] is None and metrics["cost.exponent"] is None
    assert metrics["open_closed.quality_ratio"] is None
    assert metrics["rel.single_vs_sequential"] is not None
