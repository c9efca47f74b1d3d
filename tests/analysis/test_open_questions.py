"""The open questions on frames with known answers: batching, the second pass, the priority
shift; and their report section, paper-comparison rows and metrics.json keys."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from selforg.analysis.aggregate import study_data
from selforg.analysis.findings import analyse
from selforg.analysis.open_questions import (
    batching_results,
    open_questions,
    second_pass_result,
    twin_task_means,
)
from selforg.analysis.resilience import ResilienceResult
from selforg.analysis.result import Stat
from selforg.analysis.settings import Design, Setting
from selforg.config import Shock
from selforg.reporting.document import to_markdown
from selforg.reporting.figures import render_all
from selforg.reporting.metrics_json import flat_metrics
from selforg.reporting.plots import plot_tables
from selforg.reporting.report import build_report
from tests.analysis.test_aggregate_guards import config
from tests.analysis.test_aggregate_synthetic import synthetic_tables
from tests.analysis.test_resilience import with_twins

DESIGN = Design(protocols=("sequential", "batched_sequential", "two_pass_sequential"),
                models=("m",), n_boot=200, sequential_batch_size=4)
LEVELS = ("L1", "L2", "L3", "L4")


def frame(gain: dict[str, float], batched_q: float = 0.95, batched_latency: float = 0.25,
          tasks_per_level: int = 4) -> pd.DataFrame:
    """Runs of sequential (Q varying by task), two-pass (Q x 1 + gain[level]) and batched (Q x
    batched_q, latency x batched_latency), at N = 4 and 16, for one model."""
    rng = np.random.default_rng(3)
    rows = []
    for level in LEVELS:
        for i in range(tasks_per_level):
            task = f"{level}-{i}"
            base, latency = 0.4 + 0.5 * rng.random(), 10 + 5 * rng.random()
            for n in (4, 16):
                for protocol, q, lat in [
                        ("sequential", base, latency * n),
                        ("two_pass_sequential", base * (1 + gain[level]), 2 * latency * n),
                        ("batched_sequential", base * batched_q,
                         latency * n * batched_latency)]:
                    rows.append({"run_id": f"{protocol}-{n}-{task}", "task_id": task,
                                 "level": level, "protocol": protocol, "model": "m",
                                 "n_agents": n, "replicate": 0, "status": "ok", "q": q,
                                 "latency_s": lat})
    return pd.DataFrame(rows)


def test_batching_keeps_the_known_shares_of_quality_and_latency() -> None:
    results = batching_results(frame({lv: 0.0 for lv in LEVELS}), DESIGN)
    assert [r.setting for r in results] == [Setting(), Setting("m", 4), Setting("m", 16)]
    for r in results:
        assert r.batch_size == 4
        assert r.quality_kept.value == pytest.approx(0.95)
        assert r.latency_kept.value == pytest.approx(0.25)
        assert r.quality_kept.n == 16 and r.latency_kept.ci_low == pytest.approx(0.25)
        assert "paired" in r.quality_kept.test


def test_the_second_pass_gain_per_level_group_and_the_l4_test() -> None:
    result = second_pass_result(frame({"L1": 0.0, "L2": 0.0, "L3": 0.05, "L4": 0.2}), DESIGN)
    assert result is not None
    assert result.gains["L1/L2"].value == pytest.approx(0.0, abs=1e-12)
    assert result.gains["L3"].value == pytest.approx(0.05)
    assert result.gains["L4"].value == pytest.approx(0.2)
    assert result.gains["L1/L2"].n == 8 and result.gains["L4"].n == 4
    diff = result.l4_minus_l1_l2
    pairs = twin_task_means(frame({"L1": 0.0, "L2": 0.0, "L3": 0.05, "L4": 0.2}),
                            "two_pass_sequential", "sequential", "q")
    l4 = pairs[pairs["level"] == "L4"]
    expected = float((l4["two_pass_sequential"] - l4["sequential"]).mean())
    assert diff.value == pytest.approx(expected) and diff.value > 0
    assert diff.ci_low is not None and diff.ci_low > 0 and diff.p is not None and diff.p < 0.05
    assert diff.n == 12 and "exploratory" in diff.test


def test_no_gain_anywhere_is_no_difference() -> None:
    result = second_pass_result(frame({lv: 0.0 for lv in LEVELS}), DESIGN)
    assert result is not None
    assert result.l4_minus_l1_l2.value is None  # both samples constant: Welch not computable
    assert "zero variance" in result.l4_minus_l1_l2.note


def test_twins_pair_by_model_n_replicate_and_task_and_skip_unjudged() -> None:
    runs = frame({lv: 0.1 for lv in LEVELS})
    runs.loc[(runs["protocol"] == "sequential") & (runs["n_agents"] == 4), "q"] = np.nan
    pairs = twin_task_means(runs, "two_pass_sequential", "sequential", "q")
    assert len(pairs) == 16  # N = 16 still pairs every task
    failed = runs.assign(status="failed")
    assert twin_task_means(failed, "two_pass_sequential", "sequential", "q").empty


def test_missing_protocols_and_shocks_measure_nothing() -> None:
    only_seq = frame({lv: 0.0 for lv in LEVELS})
    only_seq = only_seq[only_seq["protocol"] == "sequential"]
    oq = open_questions(only_seq, [], DESIGN)
    assert oq.batching == [] and oq.second_pass is None and oq.priority_shift == []
    shifted = [ResilienceResult("sequential", "shift", Stat(0.9)),
               ResilienceResult("sequential", "cut", Stat(0.8))]
    oq = open_questions(only_seq, shifted, replace(DESIGN, priority_shifts=frozenset({"shift"})))
    assert [r.shock for r in oq.priority_shift] == ["shift"]


def test_report_section_rows_and_metrics_keys() -> None:
    protocols = ("sequential", "batched_sequential", "two_pass_sequential")
    tables = synthetic_tables(per_level=3, ns=(4,), protocols=protocols, models=("open",),
                              fail_every=10_000)
    design = Design(protocols=protocols, models=("open",), open_weights={"open": True},
                    n_boot=100, sequential_batch_size=4)
    findings = analyse(study_data(tables.tasks, tables.runs, tables.turns, tables.judgments),
                       design)
    metrics = flat_metrics(findings)
    for key in ("batched.quality_kept", "batched.latency_kept",
                "batched.quality_kept@open/n4", "two_pass.gain_L1_L2", "two_pass.gain_L4",
                "two_pass.l4_minus_l1_l2", "two_pass.p_l4_minus_l1_l2"):
        assert key in metrics, key
    assert metrics["batched_n.quality_kept"] == len(tables.tasks)
    report = to_markdown(build_report(config(protocols), findings,
                                      render_all(plot_tables(findings))))
    assert "## Open questions of the reference study" in report
    assert "Batched sequential (batches of K = 4" in report
    assert "L4 gain minus L1/L2 gain" in report
    assert "Priority shift: not measured in this study" in report
    assert "| Batched sequential keeps sequential's quality at O(N/K) latency |" in report
    assert "| Resilience to a priority shift |" in report


def test_priority_shift_resilience_is_reported_as_every_resilience() -> None:
    protocols = ("single", "sequential", "coordinator")
    tables = with_twins(synthetic_tables(per_level=2, ns=(4,), protocols=protocols,
                                         models=("open",), fail_every=10_000))
    shift = Shock.model_validate({"name": "cut", "priority_shift": {}})
    design = Design(protocols=protocols, models=("open",), fixed_n={"single": 1},
                    controls=frozenset({"single"}), open_weights={"open": True}, n_boot=100,
                    shocks={"cut": shift.describe()}, priority_shifts=frozenset({"cut"}))
    findings = analyse(study_data(tables.tasks, tables.runs, tables.turns, tables.judgments),
                       design)
    rows = {r.protocol: r.stat.value for r in findings.open_questions.priority_shift}
    assert rows == {r.protocol: r.stat.value for r in findings.resilience}
    assert rows["coordinator"] == pytest.approx(0.75)
    report = to_markdown(build_report(config(protocols), findings,
                                      render_all(plot_tables(findings))))
    assert "Resilience to the priority shift (shocks cut)" in report
    assert "a new constraint or a change of priorities announced mid-run" in report
    assert "| Resilience to a priority shift | " in report and "coordinator: 0.750" in report
