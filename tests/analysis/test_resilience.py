"""Resilience on synthetic tables: shocked twins whose Q is a known share of their baseline's."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from selforg.analysis.aggregate import study_data
from selforg.analysis.findings import analyse
from selforg.reporting.document import to_markdown
from selforg.reporting.figures import render_all
from selforg.reporting.metrics_json import flat_metrics
from selforg.reporting.plots import plot_tables
from selforg.reporting.report import build_report
from tests.analysis.test_aggregate_guards import config, design
from tests.analysis.test_aggregate_synthetic import Tables, synthetic_tables

PROTOCOLS = ("single", "sequential", "coordinator")
# The share of its baseline twin's Q each protocol keeps under the shock "cut".
KEPT = {"sequential": 0.9, "coordinator": 0.75}


def with_twins(tables: Tables) -> Tables:
    """The tables plus a shocked twin (shock "cut") of every sequential and coordinator run,
    judged exactly KEPT[protocol] times its baseline's scores (so resilience is KEPT)."""
    runs = tables.runs[tables.runs["protocol"].isin(list(KEPT))]
    twins = runs.assign(run_id=runs["run_id"] + "-cut", shock="cut",
                        shock_removed=[[1]] * len(runs))
    factor = runs.set_index("run_id")["protocol"].map(KEPT)
    judged = tables.judgments[tables.judgments["run_id"].isin(factor.index)]
    scaled = judged.assign(q=judged["q"] * judged["run_id"].map(factor).to_numpy(),
                           run_id=judged["run_id"] + "-cut")
    turns = tables.turns[tables.turns["run_id"].isin(factor.index)]
    return Tables(tables.tasks, pd.concat([tables.runs, twins], ignore_index=True),
                  pd.concat([tables.turns, turns.assign(run_id=turns["run_id"] + "-cut")],
                            ignore_index=True),
                  pd.concat([tables.judgments, scaled], ignore_index=True))


def test_resilience_is_the_paired_ratio_and_shocked_runs_stay_out_of_the_rest() -> None:
    tables = synthetic_tables(per_level=3, ns=(4,), protocols=PROTOCOLS, models=("open",),
                              fail_every=10_000)
    shocked_design = replace(design(PROTOCOLS), shocks={"cut": "remove 1 agent(s), random"})
    plain = analyse(study_data(tables.tasks, tables.runs, tables.turns, tables.judgments),
                    design(PROTOCOLS))
    twinned = with_twins(tables)
    data = study_data(twinned.tasks, twinned.runs, twinned.turns, twinned.judgments)
    assert len(data.shocked) == len(twinned.runs) - len(tables.runs)
    assert data.runs["shock"].isna().all() and len(data.turns) == len(tables.turns)
    findings = analyse(data, shocked_design)

    by_protocol = {r.protocol: r.stat for r in findings.resilience}
    assert set(by_protocol) == set(KEPT)  # single (N = 1) is never shocked
    for protocol, kept in KEPT.items():
        stat = by_protocol[protocol]
        assert stat.value == pytest.approx(kept)
        assert stat.ci_low is not None and stat.ci_high is not None
        assert stat.ci_low <= kept + 1e-9 <= stat.ci_high + 2e-9
        assert stat.n == len(tables.tasks)

    metrics, before = flat_metrics(findings), flat_metrics(plain)
    assert metrics["resilience.coordinator.cut"] == pytest.approx(0.75)
    assert metrics["resilience_n.sequential.cut"] == len(tables.tasks)
    assert metrics["runs.shocked"] == len(data.shocked)
    for key, value in before.items():  # every baseline figure is untouched by the twins
        if ".shocked" not in key and not key.startswith(("tokens.total", "cost_usd.total")):
            assert metrics[key] == value, key

    report = to_markdown(build_report(config(PROTOCOLS), findings,
                                      render_all(plot_tables(findings))))
    assert "Resilience to shocks" in report and "cut = remove 1 agent(s), random" in report
    assert "| coordinator | cut | 0.750 [0.750, 0.750], n = 12 (Fieller" in report
    # the paper's resilience is at N = 8: this N = 4 study does not stand in for it
    claims = report[report.index("## Reference study vs this study"):]
    assert "setting not run (needs N = 8 for coordinator, sequential; this study has N = 4)" \
        in claims


def test_without_shocks_the_report_says_resilience_was_not_measured() -> None:
    tables = synthetic_tables(per_level=2, ns=(4,), protocols=PROTOCOLS, models=("open",))
    findings = analyse(study_data(tables.tasks, tables.runs, tables.turns, tables.judgments),
                       design(PROTOCOLS))
    assert findings.resilience == []
    assert not any(k.startswith("resilience") for k in flat_metrics(findings))
    report = to_markdown(build_report(config(PROTOCOLS), findings,
                                      render_all(plot_tables(findings))))
    assert "Resilience was not measured: no shock configured (study.shocks is empty)" in report
    assert "not measured in this study (no shock configured" in report


def test_a_shock_without_judged_twins_is_not_computable() -> None:
    tables = synthetic_tables(per_level=2, ns=(4,), protocols=PROTOCOLS, models=("open",))
    twinned = with_twins(tables)
    shocked = twinned.runs["shock"].notna()
    twinned.runs.loc[shocked, "status"] = "failed"
    twinned.runs.loc[shocked, "error"] = "provider timeout"
    findings = analyse(study_data(twinned.tasks, twinned.runs, twinned.turns,
                                  twinned.judgments),
                       replace(design(PROTOCOLS), shocks={"cut": "remove 1 agent(s), random"}))
    assert all(r.stat.value is None and "no judged shocked run" in r.stat.note
               for r in findings.resilience)
    assert flat_metrics(findings)["resilience.sequential.cut"] is None
