"""Resilience: how much of a protocol's quality survives a shock (study.shocks).

The reference study reports a resilience figure per protocol without defining it. Here it is
mean Q of the shocked runs / mean Q of their baseline twins, paired over tasks: each shocked
run is matched with the baseline run of the same model, protocol, N, replicate and task; pairs
where either run has no panel Q (failed or unjudged) are left out; the rest are averaged per
task (the unit of analysis, as everywhere), and the ratio of the task means gets a paired
Fieller CI. 1 = the shock cost nothing; 0.8 = a fifth of the quality was lost.
Pooled over models and N (task as block), per protocol and shock.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from selforg.analysis.result import Stat, not_computable
from selforg.analysis.settings import Design, judged
from selforg.analysis.stats import Q_RANGE, ratio_ci

# Why resilience is not measured when the study configures no shock.
NO_SHOCKS = "no shock configured (study.shocks is empty), so no shocked runs were made"
# What makes a shocked run and its baseline twin the same run but for the shock.
TWIN_KEYS = ["model", "protocol", "n_agents", "replicate", "task_id"]


@dataclass(frozen=True)
class ResilienceResult:
    """Resilience of one protocol to one shock (`stat.value` None when not computable)."""

    protocol: str
    shock: str
    stat: Stat


def resilience_of(baseline: pd.DataFrame, shocked: pd.DataFrame) -> Stat:
    """mean Q shocked / mean Q baseline over task means of judged twin pairs, paired Fieller CI.

    `baseline` and `shocked` are run frames (`aggregate.run_frame`) of one protocol, the
    shocked ones of one shock.
    """
    pairs = judged(shocked)[[*TWIN_KEYS, "q"]].merge(
        judged(baseline)[[*TWIN_KEYS, "q"]], on=TWIN_KEYS, suffixes=("_shocked", "_baseline"))
    if pairs.empty:
        return not_computable("no judged shocked run with a judged baseline twin")
    tasks = pairs.groupby("task_id")[["q_shocked", "q_baseline"]].mean().sort_index()
    stat = ratio_ci(tasks["q_shocked"].to_numpy(), tasks["q_baseline"].to_numpy(),
                    paired=True, value_range=Q_RANGE)
    left_out = len(shocked) - len(pairs)
    if left_out:
        why = f"{left_out} of {len(shocked)} shocked runs left out (failed, unjudged or no twin)"
        stat = dataclasses.replace(stat, note="; ".join(n for n in (stat.note, why) if n))
    return stat


def resilience_results(baseline: pd.DataFrame, shocked: pd.DataFrame,
                       design: Design) -> list[ResilienceResult]:
    """Every configured shock x every protocol that can be shocked (fixed N of 1 cannot).

    Empty when no shock is configured (the report then says resilience was not measured).
    """
    present = set(baseline["protocol"].astype(str)) | set(shocked["protocol"].astype(str))
    protocols = [p for p in design.order(present) if design.fixed_n.get(p) != 1]
    return [ResilienceResult(protocol, shock, resilience_of(
                baseline[baseline["protocol"] == protocol],
                shocked[(shocked["protocol"] == protocol) & (shocked["shock"] == shock)]))
            for shock in design.shocks for protocol in protocols]
