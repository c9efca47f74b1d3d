"""metrics.json keys and values against scipy / pingouin computed here from the raw tables.

The synthetic study (tests/analysis/test_aggregate_synthetic.py) has a known protocol effect:
sequential about 10% above coordinator, single 10% below. Every expected value below is built
from the tables with pandas and scipy directly, not through selforg's aggregation.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats as st

from selforg.analysis.aggregate import study_data
from selforg.analysis.descriptives import SUMMARY_METRICS
from selforg.analysis.findings import Findings, analyse, exploratory_tests
from selforg.analysis.settings import Design
from selforg.reporting.metrics_json import flat_metrics
from tests.analysis.test_aggregate_synthetic import Tables, synthetic_tables

DESIGN = Design(protocols=("coordinator", "sequential", "single"), models=("closed", "open"),
                fixed_n={"single": 1}, controls=frozenset({"single"}),
                open_weights={"closed": False, "open": True},
                list_price={"closed": (3.0, 15.0), "open": (0.5, 0.5)}, n_boot=300, seed=0)
REQUIRED = [
    "q.sequential", "q_ci_low.sequential", "q_ci_high.sequential", "q_n.sequential",
    "m.sequential", "tokens_per_run.sequential", "latency_s.sequential",
    "error_rate.sequential", "balance.sequential", "abstention.sequential",
    "rel.coordinator_vs_sequential", "p.coordinator_vs_sequential",
    "p_adj.coordinator_vs_sequential", "d.coordinator_vs_sequential", "scaling.kw_p",
    "d_pooled.coordinator_vs_sequential", "scaling.friedman_p", "confirmatory_p.scaling",
    "confirmatory_p_holm.sequential_vs_coordinator", "adequacy_tasks.sequential_vs_coordinator",
    "error_rate_ci_low.sequential", "open_closed.quality_p",
    "scaling.slope_log2n", "cost.exponent", "capability.interaction_p",
    "complexity.drop_l1_l4", "judge.icc2k", "judge.alpha", "judge.test_retest",
    "judge.truth_agreement", "judge.verbosity_rho", "runs.total", "runs.failed",
    "judgments.total", "judgments.failed", "tokens.total", "cost_usd.total",
]


@pytest.fixture(scope="module")
def tables() -> Tables:
    return synthetic_tables(per_level=4, ns=(4, 8))


@pytest.fixture(scope="module")
def findings(tables: Tables) -> Findings:
    return analyse(study_data(tables.tasks, tables.runs, tables.turns, tables.judgments), DESIGN)


@pytest.fixture(scope="module")
def metrics(findings: Findings) -> dict[str, float | int | None]:
    return flat_metrics(findings)


@pytest.fixture(scope="module")
def run_q(tables: Tables) -> pd.DataFrame:
    """Finished runs with their panel Q: mean over judges of each judge's sample mean."""
    ok = tables.judgments[tables.judgments["status"] == "ok"]
    q = ok.groupby(["run_id", "judge_model"])["q"].mean().groupby("run_id").mean()
    runs = tables.runs[tables.runs["status"] == "ok"].merge(tables.tasks[["task_id", "level"]])
    return runs.assign(q=runs["run_id"].map(q))


def task_means(rows: pd.DataFrame, by: list[str], value: str = "q") -> pd.DataFrame:
    return rows.groupby([*by, "task_id"], as_index=False)[value].mean()


def test_keys_are_sorted_and_values_numbers_or_null(metrics: dict[str, object]) -> None:
    assert list(metrics) == sorted(metrics)
    assert all(v is None or (isinstance(v, int | float) and math.isfinite(v))
               for v in metrics.values())
    missing = [k for k in REQUIRED if k not in metrics]
    assert not missing


def test_totals(tables: Tables, metrics: dict[str, float]) -> None:
    runs, judgments = tables.runs, tables.judgments
    assert metrics["runs.total"] == len(runs)
    assert metrics["runs.failed"] == (runs["status"] != "ok").sum()
    assert metrics["judgments.total"] == len(judgments)
    run_tokens = (runs["prompt_tokens"] + runs["completion_tokens"]).sum()
    judge_tokens = (judgments["prompt_tokens"] + judgments["completion_tokens"]).sum()
    assert metrics["tokens.total"] == run_tokens + judge_tokens
    assert metrics["cost_usd.total"] == pytest.approx(runs["cost_usd"].sum())
    agents = tables.turns[tables.turns["agent"] >= 0]
    assert metrics["turns.parse_failed"] == (~agents["parse_ok"]).sum()


def test_quality_per_protocol_is_a_t_interval_over_task_means(
        run_q: pd.DataFrame, metrics: dict[str, float]) -> None:
    for protocol, rows in run_q.groupby("protocol"):
        x = task_means(rows, [])["q"].to_numpy()
        half = st.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
        assert metrics[f"q.{protocol}"] == pytest.approx(x.mean())
        assert metrics[f"q_ci_low.{protocol}"] == pytest.approx(x.mean() - half)
        assert metrics[f"q_ci_high.{protocol}"] == pytest.approx(x.mean() + half)
        assert metrics[f"q_n.{protocol}"] == x.size


def test_error_rate_and_abstention(tables: Tables, metrics: dict[str, float]) -> None:
    runs = tables.runs
    for protocol, rows in runs.groupby("protocol"):
        assert metrics[f"error_rate.{protocol}"] == pytest.approx((rows["status"] != "ok").mean())
    # the coordinator idles its last worker: a directed rate of 1/N per run
    ok = runs[(runs["status"] == "ok") & (runs["protocol"] == "coordinator")]
    expected = ok.assign(rate=1 / ok["n_agents"]).groupby("task_id")["rate"].mean().mean()
    assert metrics["abstention_directed.coordinator"] == pytest.approx(expected)
    assert metrics["abstention_voluntary.coordinator"] == 0


def test_pooled_comparison_is_wilcoxon_over_tasks_adjusted_by_bh(
        run_q: pd.DataFrame, metrics: dict[str, float], findings: Findings) -> None:
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    wide = task_means(run_q, ["protocol"]).pivot(index="task_id", columns="protocol",
                                                 values="q").dropna()
    pairs = [("coordinator", "sequential"), ("coordinator", "single"), ("sequential", "single")]
    raw = {}
    for a, b in pairs:
        key = f"{a}_vs_{b}"
        test = st.wilcoxon(wide[a], wide[b])
        raw[key] = test.pvalue
        diff = wide[a] - wide[b]
        assert metrics[f"p.{key}"] == pytest.approx(test.pvalue)
        assert metrics[f"rel.{key}"] == pytest.approx(wide[a].mean() / wide[b].mean() - 1)
        assert metrics[f"d.{key}"] == pytest.approx(diff.mean() / diff.std(ddof=1))
        mde = pg.power_ttest(d=None, n=len(wide), power=0.8, alpha=0.05, contrast="paired")
        assert metrics[f"mde.{key}"] == pytest.approx(mde, rel=1e-4)
    # one BH family over every exploratory test of the study (the pooled setting's pairs
    # among them), not a family per setting
    family = [(key, t.p) for key, t in exploratory_tests(findings) if t.p is not None]
    bh = dict(zip([k for k, _ in family],
                  multitest.multipletests([p for _, p in family], method="fdr_bh")[1],
                  strict=True))
    for key in raw:
        assert metrics[f"p_adj.{key}"] == pytest.approx(bh[f"pair:{key}"])
    assert findings.multiplicity.get("pair:coordinator_vs_sequential").m == len(family) > 3
    assert metrics["rel.coordinator_vs_sequential"] < -0.05  # the known effect


def test_per_setting_quality_keys(run_q: pd.DataFrame, metrics: dict[str, float]) -> None:
    rows = run_q[(run_q["model"] == "open") & (run_q["n_agents"] == 8)
                 & (run_q["protocol"] == "sequential")]
    assert metrics["q.sequential@open/n8"] == pytest.approx(task_means(rows, [])["q"].mean())
    # the N = 1 control joins every N's comparison of its model
    assert "q.single@open/n8" in metrics and "q.single@open/n4" in metrics
    assert "rel.coordinator_vs_sequential@closed/n4" in metrics


def test_scaling_statistics(tables: Tables, run_q: pd.DataFrame,
                            metrics: dict[str, float]) -> None:
    organised = run_q[run_q["protocol"].isin(["coordinator", "sequential"])]
    by_n = task_means(organised, ["n_agents"])
    groups = [g["q"].to_numpy() for _, g in by_n.groupby("n_agents")]
    assert metrics["scaling.kw_p"] == pytest.approx(st.kruskal(*groups).pvalue)
    # the same tasks ran at N = 4 and 8: the slope has one intercept per task
    smf = pytest.importorskip("statsmodels.formula.api")
    fit = smf.ols("q ~ x + C(task_id)", data=by_n.assign(x=np.log2(by_n["n_agents"]))).fit()
    assert metrics["scaling.slope_log2n"] == pytest.approx(fit.params["x"])
    assert metrics["scaling.slope_p"] == pytest.approx(fit.pvalues["x"])
    assert metrics["scaling.friedman_p"] is None  # two values of N: Friedman needs three
    # the open model costs 0 USD, so the exponent is fitted on tokens
    finished = tables.runs[(tables.runs["status"] == "ok")
                           & tables.runs["protocol"].isin(["coordinator", "sequential"])]
    tokens = task_means(finished.assign(tokens=finished["prompt_tokens"]
                                        + finished["completion_tokens"]), ["n_agents"], "tokens")
    logged = tokens.assign(y=np.log(tokens["tokens"]), x=np.log(tokens["n_agents"]))
    cost = smf.ols("y ~ x + C(task_id)", data=logged).fit()
    assert metrics["cost.exponent"] == pytest.approx(cost.params["x"])
    assert metrics["cost_ci_high.exponent"] < 1


def test_complexity_and_open_closed(run_q: pd.DataFrame, metrics: dict[str, float]) -> None:
    levels = task_means(run_q, ["level"])
    first = levels.loc[levels["level"] == "L1", "q"]
    last = levels.loc[levels["level"] == "L4", "q"]
    assert metrics["complexity.drop_l1_l4"] == pytest.approx(1 - last.mean() / first.mean())
    assert metrics["complexity.p_l1_l4"] == pytest.approx(
        st.ttest_ind(first, last, equal_var=False).pvalue)
    groups = task_means(run_q.assign(open=run_q["model"] == "open"), ["open"])
    ratio = (groups.loc[groups["open"], "q"].mean() / groups.loc[~groups["open"], "q"].mean())
    assert metrics["open_closed.quality_ratio"] == pytest.approx(ratio)
    assert metrics["open_closed.cost_ratio"] is None  # the open model costs 0 USD
    assert metrics["open_closed.list_price_ratio"] == pytest.approx(9.0 / 0.5)


def test_judge_reliability_matches_pingouin(tables: Tables, metrics: dict[str, float]) -> None:
    ok = tables.judgments[tables.judgments["status"] == "ok"]
    per_judge = ok.groupby(["run_id", "judge_model"], as_index=False)["q"].mean()
    icc = pg.intraclass_corr(per_judge, targets="run_id", raters="judge_model", ratings="q")
    assert metrics["judge.icc2k"] == pytest.approx(icc.set_index("Type").loc["ICC(A,k)", "ICC"])
    assert metrics["capability.interaction_p"] is None  # fixed_roles did not run


def test_every_protocol_summary_has_every_metric(findings: Findings) -> None:
    for result in [findings.pooled, *findings.cells, *findings.levels]:
        for summary in result.summaries.values():
            assert tuple(summary.stats) == SUMMARY_METRICS
    level = findings.levels[0].summaries["sequential"].stats["role_stability"]
    assert level.value is None and "levels-pooled" in level.note
