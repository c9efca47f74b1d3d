"""The reference study's claims, matched to this study's setting and measured like with like."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from selforg.analysis.aggregate import study_data
from selforg.analysis.findings import Findings, analyse, coverage_of
from selforg.analysis.multiplicity import CONFIRMATORY, claim_key, pair_key
from selforg.analysis.reference import ClaimContext, Coverage, Match, PaperSetting, match
from selforg.analysis.reference_claims import REFERENCE_CLAIMS
from selforg.analysis.reference_kinds import PairClaim
from selforg.analysis.settings import Design
from selforg.analysis.stats import cohens_d
from tests.analysis.planted import Cell, build, task_offsets

MODELS = {"claude": "anthropic/claude-sonnet-4-6", "other": "openai/gpt-4o"}


def coverage(ns: tuple[int, ...] = (4, 16), levels: tuple[str, ...] = ("L1", "L3")) -> Coverage:
    protocols = ("coordinator", "sequential")
    return Coverage(frozenset(protocols), {p: frozenset(ns) for p in protocols}, levels,
                    MODELS, {"claude": False, "other": True}, {lv: 6 for lv in levels},
                    ("judge-0",))


def test_match_takes_the_papers_n_level_and_model_and_lists_what_differs() -> None:
    setting = PaperSetting("Claude, 16 agents, L3", ("Claude Sonnet 4.6",), (16,), ("L3",),
                           "GPT-5.4", "120")
    found = match(setting, ("sequential", "coordinator"), coverage())
    assert isinstance(found, Match)
    assert (found.models, found.ns, found.levels) == (("claude",), (16,), ("L3",))
    assert found.differs == ("judges judge-0 (paper: GPT-5.4)",)
    assert found.tasks(coverage()) == 6


def test_another_model_pools_every_model_and_says_so() -> None:
    setting = PaperSetting("GPT-4.1-mini, 16 agents", ("GPT-4.1-mini",), (16,))
    found = match(setting, ("sequential",), coverage())
    assert isinstance(found, Match) and found.models == ("claude", "other")
    assert "models claude, other (paper: GPT-4.1-mini)" in found.differs
    assert found.levels == ("L1", "L3")  # levels not stated: all


def test_a_setting_not_run_says_why_and_nothing_stands_in() -> None:
    setting = PaperSetting("8 agents", (), (8,), ("L3",))
    assert match(setting, ("sequential",), coverage()) == (
        "setting not run (needs N = 8 for sequential; this study has N = 4, 16)")
    assert match(PaperSetting("L4", levels=("L4",)), ("sequential",), coverage()) == (
        "setting not run (needs L4; this study has L1, L3)")
    assert match(setting, ("shared",), coverage()) == (
        "setting not run (protocol shared not in this study)")
    scaling = PaperSetting("64-256", (), (64, 96, 128, 256))
    assert "needs N = 64/96/128/256" in str(match(scaling, ("sequential",), coverage(), 2))


@pytest.fixture(scope="module")
def findings() -> Findings:
    """Claude and another model at N = 4 and 16 on L1 and L3 tasks; sequential +10 points."""
    rng = np.random.default_rng(21)
    names = [f"{lv}-t{i}" for lv in ("L1", "L3") for i in range(8)]
    u = task_offsets(rng, len(names), 0.15)
    cells = [Cell(m, p, n, names, base + u) for m in MODELS for n in (4, 16)
             for p, base in (("coordinator", 0.5), ("sequential", 0.6))]
    tables = build(cells, {t: t[:2] for t in names}, rng, judges=2, samples=2)
    design = Design(protocols=("coordinator", "sequential"), models=tuple(MODELS),
                    open_weights={"claude": False, "other": True}, model_strings=MODELS,
                    judges=("judge-0", "judge-1"), n_boot=20)
    return analyse(study_data(tables.tasks, tables.runs, tables.turns, tables.judgments), design)


def test_the_papers_pair_in_its_setting_is_the_reports_own_comparison(findings: Findings) -> None:
    result = next(r for r in findings.claims if r.claim.key == "sequential_vs_coordinator")
    assert not result.missing and result.here == "claude; N = 16; L3"
    assert result.test_key == pair_key("coordinator", "sequential", "@claude/n16/L3")
    level = next(r for r in findings.levels if r.setting.suffix == "@claude/n16/L3")
    pair = level.comparison.pairs[0]
    readings = {r.label: r.stat for r in result.readings}
    # oriented as the paper states it: sequential over coordinator
    rel = readings["sequential vs coordinator"]
    assert rel.value == pytest.approx(1 / (1 + pair.rel_diff.value) - 1) and rel.value > 0
    assert readings["d_z (paired)"].value == pytest.approx(-pair.d.value)
    # the paper's effect size: between-group pooled-SD d of the same task means
    pooled = readings["d (pooled SD, the paper's definition)"]
    assert pooled.value == pytest.approx(-pair.d_pooled.value)
    assert abs(pooled.value) < abs(readings["d_z (paired)"].value)  # pairing removes the tasks
    assert "8 tasks here (paper: 120)" in result.differs
    # adjusted once, as confirmatory: the per-level pair carries the claim's Holm p
    holm = findings.multiplicity.get(claim_key("sequential_vs_coordinator"))
    assert holm is not None and holm.family == CONFIRMATORY
    assert findings.multiplicity.get(result.test_key) == holm


def test_claims_whose_setting_was_not_run_are_not_tested(findings: Findings) -> None:
    by_key = {r.claim.key: r for r in findings.claims}
    assert by_key["sequential_vs_shared"].missing == (
        "setting not run (protocol shared not in this study)")
    assert by_key["sequential_vs_shared"].test is None
    assert by_key["complexity"].missing.startswith("setting not run (needs N = 32/64")
    assert by_key["open_closed"].missing == ""  # N = 16, L3, sequential; open vs closed
    assert findings.multiplicity.get(claim_key("sequential_vs_shared")) is None
    assert [r.claim.key for r in findings.claims] == [c.key for c in REFERENCE_CLAIMS]


def test_a_new_claim_is_one_more_entry() -> None:
    """Claims are data: a claim of a known kind measures itself in its own setting."""
    claim = PairClaim(key="future", claim="X beats Y", paper="+5%",
                      setting=PaperSetting("16 agents, L1", (), (16,), ("L1",)),
                      a="sequential", b="coordinator")
    rng = np.random.default_rng(3)
    names = [f"L1-t{i}" for i in range(6)]
    tables = build([Cell("other", p, 16, names, np.full(6, pi) + task_offsets(rng, 6, 0.1))
                    for p, pi in (("coordinator", 0.5), ("sequential", 0.6))],
                   {t: "L1" for t in names}, rng)
    data = study_data(tables.tasks, tables.runs, tables.turns, tables.judgments)
    design = Design(protocols=("coordinator", "sequential"), models=("other",),
                    model_strings={"other": "openai/gpt-4o"})
    ctx = ClaimContext(frame=data.runs, shocked=data.shocked, design=design,
                       coverage=coverage_of(data.runs, design))
    result = claim.measure(ctx)
    assert result.here == "other; N = 16; L1" and result.test is not None
    wide = data.runs.pivot(index="task_id", columns="protocol", values="q")
    pooled = cohens_d(wide["sequential"], wide["coordinator"], paired=False)
    readings = {r.label: r.stat for r in result.readings}
    assert readings["d (pooled SD, the paper's definition)"].value == pytest.approx(pooled.value)
    assert isinstance(result.power.sd, float) and result.power.rank_test
    assert pd.notna(result.power.baseline)
