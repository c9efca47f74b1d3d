"""Known answers: effects planted in selforg's own tables are recovered by the real analysis.

The simulator (tests/analysis/planted.py) writes studies whose expected Q, ratios, slopes and
cost exponent are known exactly. Monte Carlo repetitions are packed into one set of tables and
joined once by the aggregate stage's own `study_data`; each repetition is then analysed by the
functions the stage's `analyse` calls for that question (`compare_protocols`,
`scaling_results`, `capability_results`), and one planted study goes through the whole
aggregate stage (`stages.aggregate.aggregate`, tables written and read through the schema,
validated, reported). Seeds are fixed, so the figures are the same on every run; the margins
are set so that a method that does not hold (a percentile bootstrap at 2 tasks, a test that
ignores the task blocks) fails them, as the contrasts below show.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from selforg.analysis.aggregate import study_data
from selforg.analysis.effects import capability_results, scaling_results
from selforg.analysis.result import Stat
from selforg.analysis.settings import Design, judged
from selforg.analysis.stats import Q_RANGE, cohens_d, compare_protocols, mean_ci, rel_diff
from stages.aggregate import aggregate
from tests.analysis.planted import Cell, build, expected_q, task_offsets

SIZES = (2, 5, 8)
REPS = 400
PI = {"sequential": 0.60, "coordinator": 0.48}
SPREAD = 0.15
Q = {p: float(expected_q(pi)) for p, pi in PI.items()}


def true_d_z(pi_a: float, pi_b: float, k: int) -> float:
    """d_z of Q_a - Q_b over tasks: the task offset cancels; each Q carries the binomial noise
    of 4 dimensions x k judgments, whose variance 12 pi (1 - pi) / 256 / k averages over
    pi = p + u (u uniform on [-SPREAD, SPREAD]) to 12 (p (1 - p) - SPREAD^2 / 3) / 256 / k."""
    def noise(p: float) -> float:
        return 12 * (p * (1 - p) - SPREAD**2 / 3) / 256 / k
    return 0.75 * (pi_a - pi_b) / math.sqrt(noise(pi_a) + noise(pi_b))


def planted_tables(sizes: tuple[int, ...], pi: dict[str, float], seed: int,
                   reps: int) -> dict[int, list[pd.DataFrame]]:
    """`reps` independent two-protocol studies at each size: for each, the panel Q of every
    task and protocol as the stage's join computes it (tasks x protocols, protocols in the
    order of `pi`)."""
    rng = np.random.default_rng(seed)
    cells, levels = [], {}
    for size in sizes:
        for r in range(reps):
            model = f"m{size}x{r:03d}"
            tasks = [f"{model}-t{i}" for i in range(size)]
            levels |= {t: "L3" for t in tasks}
            u = task_offsets(rng, size, SPREAD)
            cells += [Cell(model, p, 4, tasks, pi[p] + u) for p in pi]
    tables = build(cells, levels, rng)
    runs = judged(study_data(tables.tasks, tables.runs, tables.turns, tables.judgments).runs)
    wide = runs.pivot_table(index=["model", "task_id"], columns="protocol", values="q")
    wide = wide[list(pi)]
    size_of = wide.index.get_level_values("model").str.slice(1).str.split("x").str[0]
    out: dict[int, list[pd.DataFrame]] = {}
    for size in sizes:
        rows = wide[size_of == str(size)]
        out[size] = [rows.iloc[i:i + size].droplevel("model")
                     for i in range(0, len(rows), size)]
    return out


@pytest.fixture(scope="module")
def planted() -> dict[int, list[pd.DataFrame]]:
    return planted_tables(SIZES, PI, seed=2026, reps=REPS)


def covers(low: float | None, high: float | None, truth: float) -> bool:
    return low is not None and high is not None and low <= truth <= high


def coverage(stats_: list[Stat], truth: float) -> tuple[float, float]:
    """The share of intervals covering `truth`, and the share of estimates with an interval
    (tied values give none: no spread was observed, so none is claimed)."""
    given = [s for s in stats_ if s.ci_low is not None and s.ci_high is not None]
    hits = [covers(s.ci_low, s.ci_high, truth) for s in given]
    return float(np.mean(hits)) if hits else 0.0, len(given) / len(stats_)


@pytest.mark.parametrize("size", SIZES)
def test_intervals_cover_at_about_their_nominal_rate(
        planted: dict[int, list[pd.DataFrame]], size: int) -> None:
    """The intervals compare_protocols gives a pair of paired protocols (mean_ci of each,
    rel_diff and cohens_d paired, with Q's range), at the study's own small n."""
    wides = planted[size]
    a = [w["sequential"].to_numpy() for w in wides]
    b = [w["coordinator"].to_numpy() for w in wides]
    truth_rel = Q["sequential"] / Q["coordinator"] - 1
    truth_dz = true_d_z(PI["sequential"], PI["coordinator"], k=1)
    rates = {
        "Q sequential": coverage([mean_ci(x, Q_RANGE) for x in a], Q["sequential"]),
        "Q coordinator": coverage([mean_ci(y, Q_RANGE) for y in b], Q["coordinator"]),
        "rel diff": coverage([rel_diff(x, y, paired=True, value_range=Q_RANGE)
                              for x, y in zip(a, b, strict=True)], truth_rel),
        "d_z": coverage([cohens_d(x, y, paired=True) for x, y in zip(a, b, strict=True)],
                        truth_dz),
    }
    for name, (rate, given) in rates.items():
        assert given >= 0.8, f"{name} at n = {size}: an interval in {given:.0%} of studies"
        assert rate >= 0.92, f"{name} at n = {size}: coverage {rate:.3f}"
    for x, y in zip(a, b, strict=True):  # and never outside what Q allows
        for stat in (mean_ci(x, Q_RANGE), mean_ci(y, Q_RANGE)):
            assert stat.ci_low is None or 0.25 <= stat.ci_low <= stat.ci_high <= 1.0
        ratio = rel_diff(x, y, paired=True, value_range=Q_RANGE)
        assert ratio.ci_low is None or -0.75 <= ratio.ci_low <= ratio.ci_high <= 3.0


@pytest.mark.parametrize("size", (2, 5))
def test_a_percentile_bootstrap_would_not_cover(planted: dict[int, list[pd.DataFrame]],
                                                size: int) -> None:
    """The contrast that gives the coverage test its teeth: on the same planted studies, the
    paired percentile bootstrap the analysis used before covers far less than 95%."""
    rng = np.random.default_rng(7)
    truth = Q["sequential"] / Q["coordinator"] - 1
    hits = []
    for wide in planted[size]:
        qa, qb = wide["sequential"].to_numpy(), wide["coordinator"].to_numpy()
        idx = rng.integers(0, size, size=(2000, size))
        ratios = qa[idx].mean(axis=1) / qb[idx].mean(axis=1) - 1
        low, high = np.percentile(ratios, [2.5, 97.5])
        hits.append(low <= truth <= high)
    assert np.mean(hits) < 0.85


def test_a_null_is_flagged_at_about_alpha() -> None:
    """compare_protocols on 150 studies of 10 tasks with no planted difference."""
    null = {"sequential": 0.55, "coordinator": 0.55}
    results = [compare_protocols(wide.stack().rename("q").reset_index(), order=list(null))
               for wide in planted_tables((10,), null, seed=11, reps=150)[10]]
    rejected = [r.pairs[0].test.p < 0.05 for r in results if r.pairs[0].test.p is not None]
    assert len(rejected) >= 140
    assert 0.005 <= np.mean(rejected) <= 0.09
    outside = [not covers(r.pairs[0].rel_diff.ci_low, r.pairs[0].rel_diff.ci_high, 0.0)
               for r in results]
    assert np.mean(outside) <= 0.09


def test_no_test_is_printed_where_it_cannot_reach_alpha(
        planted: dict[int, list[pd.DataFrame]]) -> None:
    for wide in planted[2][:20]:
        result = compare_protocols(wide.stack().rename("q").reset_index(), order=list(PI))
        test = result.pairs[0].test
        assert test.p is None
        assert test.note.startswith(("cannot reach alpha = 0.05", "all paired differences"))


SCALING_NS = (4, 8, 16, 32, 64)
DECLINE = 0.02  # of Q per doubling of N
EXPONENT = 0.5


def scaling_study(reps: int, tasks: int, seed: int) -> list[pd.DataFrame]:
    """`reps` studies of one protocol at every N on the same tasks, Q falling 2% per doubling."""
    rng = np.random.default_rng(seed)
    slope_pi = DECLINE * expected_q(0.6) / 0.75
    cells, levels = [], {}
    for r in range(reps):
        model = f"s{r:03d}"
        names = [f"{model}-t{i}" for i in range(tasks)]
        levels |= {t: "L1" for t in names}
        u = task_offsets(rng, tasks, 0.25)
        cells += [Cell(model, "sequential", n, names, 0.6 + u - slope_pi * math.log2(n / 4))
                  for n in SCALING_NS]
    tables = build(cells, levels, rng, judges=2, samples=2, exponent=EXPONENT)
    runs = study_data(tables.tasks, tables.runs, tables.turns, tables.judgments).runs
    return [rows for _, rows in runs.groupby("model")]


def test_a_planted_scaling_decline_is_detected_by_the_task_blocked_tests() -> None:
    design = Design(protocols=("sequential",), models=("one",))
    truth = -DECLINE * float(expected_q(0.6))
    found = [scaling_results(rows, design)[0] for rows in scaling_study(24, 24, seed=5)]
    detected = np.mean([s.slope.p < 0.05 and s.slope.value < 0 for s in found])
    friedman = np.mean([s.friedman.p < 0.05 for s in found])
    kruskal = np.mean([s.kruskal.p < 0.05 for s in found])
    assert detected >= 0.9 and friedman >= 0.8
    assert kruskal <= detected - 0.4  # the reference study's test misses most of it
    assert np.mean([covers(s.slope.ci_low, s.slope.ci_high, truth) for s in found]) >= 0.85
    assert np.mean([covers(s.cost.ci_low, s.cost.ci_high, EXPONENT) for s in found]) >= 0.85


REVERSAL = 0.05  # free roles +5% for the strong model, -5% for the weak one


def capability_study(reps: int, tasks: int, reversal: float, seed: int) -> list[pd.DataFrame]:
    """`reps` studies of two models x (sequential, fixed_roles) on the same tasks."""
    rng = np.random.default_rng(seed)
    cells, levels = [], {}
    for r in range(reps):
        names = [f"c{r:03d}-t{i}" for i in range(tasks)]
        levels |= {t: "L2" for t in names}
        u = task_offsets(rng, tasks, 0.2)
        for model, sign, base in (("strong", 1, 0.65), ("weak", -1, 0.45)):
            shift = sign * reversal * float(expected_q(base)) / 0.75
            cells += [Cell(f"c{r:03d}-{model}", "fixed_roles", 8, names, base + u),
                      Cell(f"c{r:03d}-{model}", "sequential", 8, names, base + u + shift)]
    tables = build(cells, levels, rng, judges=3, samples=2)
    runs = study_data(tables.tasks, tables.runs, tables.turns, tables.judgments).runs
    rep = runs["model"].str.slice(0, 4)
    return [rows for _, rows in runs.groupby(rep)]


def _interaction_p(rows: pd.DataFrame) -> float | None:
    models = tuple(sorted(rows["model"].unique()))
    design = Design(protocols=("sequential", "fixed_roles"), models=models)
    return capability_results(rows, design)[0].result.interaction.p


def test_a_planted_capability_reversal_is_detected() -> None:
    p = [_interaction_p(rows) for rows in capability_study(30, 20, REVERSAL, seed=3)]
    assert np.mean([x is not None and x < 0.05 for x in p]) >= 0.8


def test_no_reversal_is_flagged_at_about_alpha() -> None:
    p = [_interaction_p(rows) for rows in capability_study(40, 20, 0.0, seed=4)]
    assert np.mean([x is not None and x < 0.05 for x in p]) <= 0.1


def test_the_aggregate_stage_reports_the_planted_effects(tmp_path: Path) -> None:
    """One planted study through the whole stage: its metrics.json shows the decline, the
    reversal and the protocol effect, each by its task-blocked test."""
    rng = np.random.default_rng(17)
    names = [f"t{i:02d}" for i in range(16)]
    u = task_offsets(rng, len(names), 0.2)
    slope_pi = DECLINE * float(expected_q(0.6)) / 0.75
    cells = []
    for model, sign in (("strong", 1), ("weak", -1)):
        for n in (4, 16, 64):
            trend = -slope_pi * math.log2(n / 4)
            cells += [Cell(model, "coordinator", n, names, 0.50 + u + trend),
                      Cell(model, "sequential", n, names, 0.62 + u + trend),
                      Cell(model, "fixed_roles", n, names, 0.62 + u + trend - sign * 0.1)]
    build(cells, {t: "L3" for t in names}, rng, judges=2, samples=2).write(tmp_path / "data")
    params = {
        "seed": 0, "tasks": {"per_level": 16, "levels": ["L3"]},
        "models": [{"name": m, "model": "scripted/instant"} for m in ("strong", "weak")]
        + [{"name": f"judge-{j}", "model": "scripted/instant-judge"} for j in range(2)],
        "study": {"models": ["strong", "weak"],
                  "protocols": ["coordinator", "sequential", "fixed_roles"],
                  "n_agents": [4, 16, 64]},
        "judges": {"models": ["judge-0", "judge-1"], "samples": 2},
        "budget": {"max_usd": 1.0, "max_calls": 100},
    }
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    aggregate(tmp_path / "params.yaml", tmp_path)
    metrics = json.loads((tmp_path / "reports" / "metrics.json").read_text())
    assert metrics["scaling.slope_log2n"] < 0 and metrics["scaling.slope_p"] < 0.05
    assert metrics["scaling.friedman_p"] < 0.05
    assert metrics["capability.interaction_p"] < 0.05
    assert metrics["rel.coordinator_vs_sequential"] < 0
    assert metrics["p_adj.coordinator_vs_sequential"] < 0.05
    assert 0.25 <= metrics["q_ci_low.sequential"] <= metrics["q_ci_high.sequential"] <= 1
    report = (tmp_path / "reports" / "report.md").read_text()
    assert "task fixed effects" in report and "Benjamini-Hochberg" in report
