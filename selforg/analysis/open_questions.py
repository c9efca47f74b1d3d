"""The reference study's open questions, measured with the protocols and shock added for them.

- Batching (the paper's future work): does `batched_sequential` keep `sequential`'s quality
  while cutting its latency? Per (model, N) setting and pooled: quality kept = mean Q batched /
  mean Q sequential, latency kept = mean latency batched / mean latency sequential (1 - it is
  the latency saved), each over task means of twin pairs, paired Fieller CI.
- Second pass (Lerer 2026): does `two_pass_sequential` gain over `sequential` on adversarial
  L4 tasks and change nothing on L1/L2? Per level group (L1/L2, L3, L4), models and N pooled
  with the task as block: gain = mean Q two-pass / mean Q sequential - 1 over task means of
  twin pairs, paired Fieller CI; and the prediction itself: the per-task gain in Q points on
  L4 tasks minus that on L1/L2 tasks, Welch's t with its 95% CI (exploratory).
- Priority shift: the resilience (selforg.analysis.resilience) of every protocol to every
  priority-shift shock of the study, measured as for any shock.

Twin pairs are runs of the two protocols with the same model, N, replicate and task, both
finished (and judged, for Q): the only difference between them is the protocol.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.stats as st

from selforg.analysis.resilience import ResilienceResult
from selforg.analysis.result import Stat, finite_or_none, not_computable
from selforg.analysis.settings import Design, Setting, judged, ordered
from selforg.analysis.stats import Q_RANGE, ratio_ci, rel_diff, welch_t
from selforg.analysis.stats_basic import NO_RANGE, Range

SEQUENTIAL, BATCHED, TWO_PASS = "sequential", "batched_sequential", "two_pass_sequential"
PAIR_KEYS = ["model", "n_agents", "replicate", "task_id"]
# The multiplicity key of the second pass's one test (exploratory, Benjamini-Hochberg).
TWO_PASS_KEY = "open_question:two_pass_l4_minus_l1_l2"
LEVEL_GROUPS: dict[str, tuple[str, ...]] = {"L1/L2": ("L1", "L2"), "L3": ("L3",), "L4": ("L4",)}


@dataclass(frozen=True)
class BatchingResult:
    """batched_sequential against sequential in one setting (pooled: Setting())."""

    setting: Setting
    batch_size: int
    quality_kept: Stat
    latency_kept: Stat


@dataclass(frozen=True)
class SecondPassResult:
    """two_pass_sequential against sequential: the gain per level group, and the gain on L4
    minus the gain on L1/L2 (Q points per task, Welch's t)."""

    gains: dict[str, Stat]
    l4_minus_l1_l2: Stat


@dataclass(frozen=True)
class OpenQuestions:
    """What the report and metrics.json show of the open questions; `None` / empty where the
    study did not run what a question needs (the report says so)."""

    batching: list[BatchingResult]
    second_pass: SecondPassResult | None
    priority_shift: list[ResilienceResult]


def twin_task_means(frame: pd.DataFrame, a: str, b: str, value: str) -> pd.DataFrame:
    """Per task (with its level): mean `value` of protocol a and of b over their twin pairs.

    Columns task_id, level, a, b; only finished runs, and only judged ones when value is q.
    """
    rows = judged(frame) if value == "q" else frame[frame["status"] == "ok"]
    rows = rows[rows[value].notna()]
    left = rows.loc[rows["protocol"] == a, [*PAIR_KEYS, "level", value]]
    right = rows.loc[rows["protocol"] == b, [*PAIR_KEYS, value]]
    pairs = left.merge(right, on=PAIR_KEYS, suffixes=("_a", "_b"))
    means = pairs.groupby(["task_id", "level"], as_index=False)[[f"{value}_a", f"{value}_b"]]
    return means.mean().rename(columns={f"{value}_a": a, f"{value}_b": b}).sort_values("task_id")


def _ratio(pairs: pd.DataFrame, a: str, b: str, value_range: Range) -> Stat:
    if pairs.empty:
        return not_computable(f"no task with finished twin runs of {a} and {b}")
    return ratio_ci(pairs[a].to_numpy(), pairs[b].to_numpy(), paired=True,
                    value_range=value_range)


def _batching_in(rows: pd.DataFrame, setting: Setting, design: Design) -> BatchingResult:
    return BatchingResult(
        setting, design.sequential_batch_size,
        quality_kept=_ratio(twin_task_means(rows, BATCHED, SEQUENTIAL, "q"), BATCHED,
                            SEQUENTIAL, Q_RANGE),
        latency_kept=_ratio(twin_task_means(rows, BATCHED, SEQUENTIAL, "latency_s"), BATCHED,
                            SEQUENTIAL, NO_RANGE))


def batching_results(frame: pd.DataFrame, design: Design) -> list[BatchingResult]:
    """Pooled first, then per (model, N) where both protocols ran; empty if one did not."""
    ran = set(frame["protocol"].astype(str))
    if not {BATCHED, SEQUENTIAL} <= ran:
        return []
    results = [_batching_in(frame, Setting(), design)]
    both = frame[frame["protocol"].isin([BATCHED, SEQUENTIAL])]
    for model in ordered(design.models, set(both["model"].astype(str))):
        for n in sorted(int(n) for n in both.loc[both["model"] == model, "n_agents"].unique()):
            rows = both[(both["model"] == model) & (both["n_agents"] == n)]
            results.append(_batching_in(rows, Setting(model, n), design))
    return results


def welch_difference(x: np.ndarray, y: np.ndarray) -> Stat:
    """mean(x) - mean(y) with Welch's 95% CI and two-sided p (guards of `welch_t`)."""
    test = welch_t(x, y)
    if test.value is None:
        return test
    result = st.ttest_ind(x, y, equal_var=False)
    ci = result.confidence_interval(0.95)
    return Stat(value=float(np.mean(x) - np.mean(y)), ci_low=finite_or_none(ci.low),
                ci_high=finite_or_none(ci.high), p=test.p, n=test.n,
                test="Welch's t, difference of means (exploratory)",
                extra={"t": test.value, "df": test.extra.get("df"),
                       "n_a": len(x), "n_b": len(y)})


def second_pass_result(frame: pd.DataFrame, design: Design) -> SecondPassResult | None:
    """None unless both two_pass_sequential and sequential ran."""
    if not {TWO_PASS, SEQUENTIAL} <= set(frame["protocol"].astype(str)):
        return None
    pairs = twin_task_means(frame, TWO_PASS, SEQUENTIAL, "q")
    gains: dict[str, Stat] = {}
    for group, levels in LEVEL_GROUPS.items():
        mine = pairs[pairs["level"].isin(levels)]
        gains[group] = (rel_diff(mine[TWO_PASS].to_numpy(), mine[SEQUENTIAL].to_numpy(),
                                 paired=True, value_range=Q_RANGE)
                        if len(mine) else not_computable(f"no judged twin pairs on {group}"))
    gain = pairs[TWO_PASS] - pairs[SEQUENTIAL]
    hard = gain[pairs["level"] == "L4"].to_numpy()
    easy = gain[pairs["level"].isin(LEVEL_GROUPS["L1/L2"])].to_numpy()
    return SecondPassResult(gains, welch_difference(hard, easy))


def priority_shift_results(resilience: list[ResilienceResult],
                           design: Design) -> list[ResilienceResult]:
    """The resilience results of the study's priority-shift shocks."""
    return [r for r in resilience if r.shock in design.priority_shifts]


def open_questions(frame: pd.DataFrame, resilience: list[ResilienceResult],
                   design: Design) -> OpenQuestions:
    """Every open-question figure over the baseline run frame and the resilience results."""
    return OpenQuestions(batching_results(frame, design), second_pass_result(frame, design),
                         priority_shift_results(resilience, design))
