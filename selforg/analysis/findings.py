"""The whole analysis of a study in one value: `analyse(data, design) -> Findings`.

Pure: the stage reads the tables, this computes, `selforg.reporting` writes. Every statistic
is a `Stat` (or a result of them) and is guarded by the library, so a study of one model, two
protocols and one N yields a Findings full of "not computable (reason)" rather than an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

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
from selforg.analysis.multiplicity import (
    Multiplicity,
    adjust,
    capability_key,
    claim_key,
    complexity_key,
    omnibus_key,
    open_closed_key,
    pair_key,
    scaling_key,
)
from selforg.analysis.open_questions import TWO_PASS_KEY, OpenQuestions, open_questions
from selforg.analysis.power import Adequacy, design_adequacy
from selforg.analysis.reference import ClaimContext, ClaimResult, Coverage
from selforg.analysis.reference_claims import REFERENCE_CLAIMS
from selforg.analysis.resilience import ResilienceResult, resilience_results
from selforg.analysis.result import Stat
from selforg.analysis.settings import Design, Setting, judged, settings
from selforg.analysis.structured_output import structured_output_use
from selforg.judging.human import HumanAgreement, human_agreement
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
    configured shock x protocol (empty when study.shocks is). open_questions: batching, the
    second pass and the priority shift (selforg.analysis.open_questions). claims: each
    reference-study claim measured in this study's matching setting (`reference_claims`).
    multiplicity: the adjusted p of every test (`multiplicity`). adequacy: the design adequacy
    of each confirmatory comparison (`power`). coverage: what this study's judged runs cover.
    human: the judges' agreement with blind human ratings (`selforg rate`), every statistic
    not computable without them.
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
    open_questions: OpenQuestions
    coverage: Coverage
    # calls per (model, kind, structured-output mode), baseline runs (structured_output.py)
    structured_output: pd.DataFrame
    claims: list[ClaimResult] = field(default_factory=list)
    multiplicity: Multiplicity = field(default_factory=Multiplicity)
    adequacy: list[Adequacy] = field(default_factory=list)
    human: HumanAgreement = field(default_factory=HumanAgreement.none)


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


def exploratory_tests(findings: Findings) -> list[tuple[str, Stat]]:
    """Every test the report prints outside the confirmatory family, by multiplicity key."""
    tests: list[tuple[str, Stat]] = []
    for result in [findings.pooled, *findings.cells, *findings.levels]:
        suffix = result.setting.suffix
        tests.append((omnibus_key(suffix), result.comparison.omnibus))
        tests += [(pair_key(p.a, p.b, suffix), p.test) for p in result.comparison.pairs]
    for s in findings.scaling:
        tests += [(scaling_key(s.scope, name), stat) for name, stat in
                  (("slope", s.slope), ("friedman", s.friedman), ("kruskal", s.kruskal),
                   ("cost", s.cost))]
    for c in findings.capability:
        tests += [(capability_key(c.n_agents, "interaction"), c.result.interaction),
                  (capability_key(c.n_agents, "structure"), c.result.structure)]
    tests += [(open_closed_key(o.protocol), o.quality_test) for o in findings.open_closed]
    tests += [(complexity_key(c.protocol), c.result.test) for c in findings.complexity]
    if findings.open_questions.second_pass is not None:
        tests.append((TWO_PASS_KEY, findings.open_questions.second_pass.l4_minus_l1_l2))
    return tests


def aliases(findings: Findings) -> dict[str, str]:
    """The tests of a study's only (model, N) setting are those of its pooled setting."""
    if len(findings.cells) != 1:
        return {}
    suffix = findings.cells[0].setting.suffix
    keys = {omnibus_key(suffix): omnibus_key("")}
    keys |= {pair_key(p.a, p.b, suffix): pair_key(p.a, p.b, "")
             for p in findings.cells[0].comparison.pairs}
    return keys


def claim_context(data: StudyData, design: Design, base: Findings) -> ClaimContext:
    """What the reference claims are measured from, in a finished analysis."""
    return ClaimContext(
        frame=data.runs, shocked=data.shocked, design=design, coverage=base.coverage,
        settings={r.setting.suffix: r for r in [base.pooled, *base.cells, *base.levels]},
        capability={c.n_agents: c for c in base.capability}, roles_by_n=base.roles_by_n,
        by_n=base.by_n, by_level=base.by_level, reliability=base.reliability)


def coverage_of(frame: pd.DataFrame, design: Design) -> Coverage:
    """What the judged runs of a run frame cover (the ground claims are matched on)."""
    return Coverage.of_runs(judged(frame), design.model_strings or
                            {m: m for m in design.models}, design.open_weights, design.judges)


def analyse(data: StudyData, design: Design,
            human_ratings: pd.DataFrame | None = None) -> Findings:
    """Every statistic of docs/study.md section 7 over the study's tables (and the human
    ratings table, when there is one)."""
    frame, turns = data.runs, data.turns
    roles = study_roles(frame, turns)
    cell_settings, level_settings = settings(frame, design)
    reliability = panel_reliability(data.judgments, n_boot=design.n_boot, seed=design.seed)
    resilience = resilience_results(frame, data.shocked, design)
    base = Findings(
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
        resilience=resilience,
        open_questions=open_questions(frame, resilience, design),
        coverage=coverage_of(frame, design),
        structured_output=structured_output_use(turns, data.judgments),
        human=(human_agreement(human_ratings, data.judgments, n_boot=design.n_boot,
                               seed=design.seed)
               if human_ratings is not None else HumanAgreement.none()),
    )
    ctx = claim_context(data, design, base)
    claims = [claim.measure(ctx) for claim in REFERENCE_CLAIMS]
    confirmatory = [(claim_key(r.claim.key), r.test, r.test_key) for r in claims
                    if r.claim.confirmatory]
    return replace(base, claims=claims,
                   multiplicity=adjust(exploratory_tests(base), confirmatory, aliases(base)),
                   adequacy=design_adequacy(claims, design, base.coverage))
