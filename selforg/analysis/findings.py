"""The whole analysis of a study in one value: `analyse(data, design) -> Findings`.

Pure: the stage reads the tables, this computes, `selforg.reporting` writes. Every statistic
is a `Stat` (or a result of them) and is guarded by the library, so a study of one model, two
protocols and one N yields a Findings full of "not computable (reason)" rather than an error.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from selforg.analysis.aggregate import StudyData
from selforg.analysis.breakdowns import ROLE_CELL, by_keys, roles_pooled
from selforg.analysis.comparisons import SettingResult, analyse_setting
from selforg.analysis.descriptives import study_roles
from selforg.analysis.effects import (
    CapabilityFinding,
    ComplexityFinding,
    OpenClosedFinding,
    ScalingResult,
    capability_results,
    complexity_results,
    open_closed_results,
    scaling_results,
)
from selforg.analysis.metrics import agent_turns
from selforg.analysis.resilience import ResilienceResult, resilience_results
from selforg.analysis.result import Stat
from selforg.analysis.settings import Design, Setting, settings
from selforg.analysis.structured_output import structured_output_use
from selforg.judging.reliability import panel_reliability, reliability_flags

# Failure reasons are grouped by their first line, cut to this length.
REASON_CHARS = 160


@dataclass(frozen=True)
class Totals:
    """Counts and spend of the whole study (agents and judges).

    Every field but the `shocked_*` ones is about baseline runs; `shocked_tokens` and
    `shocked_cost` are the shocked runs' agents and judges together.
    """

    runs: int
    runs_failed: int
    judgments: int
    judgments_failed: int
    turns: int
    parse_failures: int
    tokens_runs: int
    tokens_judging: int
    cost_runs: float
    cost_judging: float
    shocked_runs: int
    shocked_failed: int
    shocked_tokens: int
    shocked_cost: float


@dataclass(frozen=True)
class Findings:
    """Everything the report, metrics.json and the plots show.

    pooled: all settings pooled with task as block; cells: per (model, N), levels pooled;
    levels: per (model, N, level). by_n / by_level: long breakdowns (`by_keys`). roles,
    roles_by_n, roles_total: roles pooled per (protocol, model, N), per N, and over the whole
    study. reliability: the judge panel's statistics, flags their warnings (each once).
    failures: one row per (kind, protocol or judge, reason) with a count. resilience: per
    configured shock x protocol (empty when study.shocks is).
    """

    design: Design
    totals: Totals
    pooled: SettingResult
    cells: list[SettingResult]
    levels: list[SettingResult]
    scaling: list[ScalingResult]
    capability: list[CapabilityFinding]
    open_closed: list[OpenClosedFinding]
    complexity: list[ComplexityFinding]
    by_n: pd.DataFrame
    by_level: pd.DataFrame
    roles: pd.DataFrame
    roles_by_n: pd.DataFrame
    roles_total: pd.DataFrame
    reliability: dict[str, Stat]
    flags: list[str]
    failures: pd.DataFrame
    resilience: list[ResilienceResult]
    # calls per (model, kind, structured-output mode), baseline runs (structured_output.py)
    structured_output: pd.DataFrame


def totals(data: StudyData) -> Totals:
    runs, judgments = data.runs, data.judgments
    shocked, graded = data.shocked, data.shocked_judgments
    agents = agent_turns(data.turns)
    parse_ok = agents["parse_ok"].astype("boolean").fillna(False).astype(bool)
    return Totals(
        runs=len(runs),
        runs_failed=int((runs["status"] != "ok").sum()),
        judgments=len(judgments),
        judgments_failed=int((judgments["status"] != "ok").sum()),
        turns=len(agents),
        parse_failures=int((~parse_ok).sum()),
        tokens_runs=int(runs["tokens"].sum()),
        tokens_judging=int((judgments["prompt_tokens"] + judgments["completion_tokens"]).sum()),
        cost_runs=float(runs["cost_usd"].sum()),
        cost_judging=float(judgments["cost_usd"].sum()),
        shocked_runs=len(shocked),
        shocked_failed=int((shocked["status"] != "ok").sum()),
        shocked_tokens=int(shocked["tokens"].sum() + graded["prompt_tokens"].sum()
                           + graded["completion_tokens"].sum()),
        shocked_cost=float(shocked["cost_usd"].sum() + graded["cost_usd"].sum()),
    )


def _reasons(rows: pd.DataFrame, kind: str, by: str) -> pd.DataFrame:
    """Failed rows counted per (by, first line of the error)."""
    failed = rows[rows["status"] != "ok"]
    reason = failed["error"].fillna("no reason recorded").astype(str)
    reason = reason.str.split("\n").str[0].str.slice(0, REASON_CHARS)
    counts = failed.assign(reason=reason).groupby([by, "reason"]).size()
    table = counts.rename("count").reset_index().rename(columns={by: "who"})
    return table.assign(kind=kind)[["kind", "who", "reason", "count"]]


def failures(data: StudyData) -> pd.DataFrame:
    """Failed runs per protocol and failed judgments per judge, by reason."""
    return pd.concat([_reasons(data.runs, "run", "protocol"),
                      _reasons(data.judgments, "judgment", "judge_model")], ignore_index=True)


def analyse(data: StudyData, design: Design) -> Findings:
    """Every statistic of STUDY.md section 7 over the study's tables."""
    frame, turns = data.runs, data.turns
    roles = study_roles(frame, turns)
    cell_settings, level_settings = settings(frame, design)
    reliability = panel_reliability(data.judgments, n_boot=design.n_boot, seed=design.seed)
    return Findings(
        design=design,
        totals=totals(data),
        pooled=analyse_setting(frame, Setting(), design, roles),
        cells=[analyse_setting(frame, s, design, roles) for s in cell_settings],
        levels=[analyse_setting(frame, s, design, roles) for s in level_settings],
        scaling=scaling_results(frame, design),
        capability=capability_results(frame, design),
        open_closed=open_closed_results(frame, design),
        complexity=complexity_results(frame, design),
        by_n=by_keys(frame, ["protocol", "model", "n_agents"]),
        by_level=by_keys(frame, ["protocol", "level"]),
        roles=roles_pooled(frame, turns, ROLE_CELL),
        roles_by_n=roles_pooled(frame, turns, ("n_agents",)),
        roles_total=roles_pooled(frame, turns, ()),
        reliability=reliability,
        flags=list(dict.fromkeys(reliability_flags(reliability))),
        failures=failures(data),
        resilience=resilience_results(frame, data.shocked, design),
        structured_output=structured_output_use(turns, data.judgments),
    )
