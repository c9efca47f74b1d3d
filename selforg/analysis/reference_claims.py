"""The reference study's headline claims, as data: figure, setting, and for the confirmatory
ones the effect to detect and the spread the paper implies.

The figures are those of arXiv 2603.28990 v1 ("Drop the Hierarchy and Roles"). The six claims
marked confirmatory form the study's confirmatory family, fixed here before any data: each is
tested once, in this study's setting matching the paper's, and the family is Holm-adjusted
(`multiplicity`). Everything else the report tests is exploratory. A new claim of a known kind
is one more entry in REFERENCE_CLAIMS (`reference_kinds` has the kinds).

Spreads for the power planner when no run of this study exists yet (`StatedEffect.spread`):
the paper reports few standard deviations, so each is derived from what it does report, and
the derivation is the `source` text the planner prints.
"""

from __future__ import annotations

import math

from selforg.analysis.reference import PaperSetting, PowerInput, ReferenceClaim, StatedEffect
from selforg.analysis.reference_kinds import (
    AbstentionClaim,
    CapabilityClaim,
    ComplexityClaim,
    CostClaim,
    HierarchyClaim,
    JudgeClaim,
    OpenClosedClaim,
    PairClaim,
    ResilienceClaim,
    RolesClaim,
    ScalingClaim,
)

CLAUDE, MINI, DEEPSEEK, GLM = "Claude Sonnet 4.6", "GPT-4.1-mini", "DeepSeek v3.2", "GLM-5"
# Between-task SD of Q in the pilot: sequential 0.724 vs shared 0.503 at d = 1.86.
PILOT_SD = (0.724 - 0.503) / 1.86
# SD of a per-task difference of two protocols if their Q were uncorrelated across tasks (an
# upper bound: a positive correlation, the usual case, makes it smaller).
PAIRED_SD = math.sqrt(2) * PILOT_SD
PAIRED_SOURCE = (f"reference: pilot SD {PILOT_SD:.3f} (d = 1.86 for 0.724 vs 0.503) x sqrt(2) "
                 "for a task's difference")
SCALING_NS = (64, 96, 128, 256)


REFERENCE_CLAIMS: tuple[ReferenceClaim, ...] = (
    PairClaim(
        key="sequential_vs_coordinator", claim="Sequential beats coordinator by about 14%",
        paper="+14.1% (Q 0.875 vs 0.767), p < 0.001, test not named",
        setting=PaperSetting("Claude Sonnet 4.6, 16 agents, L3, 120 tasks, judge GPT-5.4",
                             (CLAUDE,), (16,), ("L3",), "GPT-5.4", "120"),
        confirmatory=True,
        effect=StatedEffect(0.14 * 0.767, "+14% of coordinator's Q 0.767 (0.107)",
                            PowerInput("paired", PAIRED_SD, 0.767, rank_test=True),
                            PAIRED_SOURCE),
        a="sequential", b="coordinator"),
    PairClaim(
        key="sequential_vs_shared", claim="Sequential beats shared by 44% (best vs worst)",
        paper="sequential 0.724 vs shared 0.503: +44%, d = 1.86, p < 0.0001",
        setting=PaperSetting("GPT-4.1-mini, 8 agents, L3 + L4 (pilot), judge GPT-4o",
                             (MINI,), (8,), ("L3", "L4"), "GPT-4o", "not stated"),
        confirmatory=True,
        effect=StatedEffect(0.44 * 0.503, "+44% of shared's Q 0.503 (0.221)",
                            PowerInput("paired", PAIRED_SD, 0.503, rank_test=True),
                            PAIRED_SOURCE),
        a="sequential", b="shared"),
    ScalingClaim(
        key="scaling", claim="No quality change from 64 to 256 agents",
        paper="Q 0.964 / 0.962 / 0.958 / 0.967 (sd about 0.04), Kruskal-Wallis H = 1.84, "
              "p = 0.61",
        setting=PaperSetting("self-organising, L1, N = 64/96/128/256, 6,000 runs, judge "
                             "GPT-5.4", (), SCALING_NS, ("L1",), "GPT-5.4", "6,000 runs"),
        confirmatory=True,
        effect=StatedEffect(0.02 * 0.963, "a 2% change of Q 0.963 per doubling of N (0.019)",
                            PowerInput("slope", 0.04, 0.963),
                            "reference: SD of Q about 0.04 at N = 64-256, taken as the SD "
                            "within tasks")),
    CostClaim(
        key="cost_8_64", claim="Cost grows sub-linearly with N (8 to 64 agents)",
        paper="tokens 3,164 -> 3,537 from N = 8 to 64 (+11.8%, b about 0.05)",
        setting=PaperSetting("fixed roles, GPT-4.1-mini, N = 8/16/32/64, 8,020 tasks",
                             (MINI,), (8, 16, 32, 64), (), "GPT-4o", "8,020"),
        protocol="fixed_roles"),
    CostClaim(
        key="cost_64_256", claim="Cost from 64 to 256 agents",
        paper="64 -> 256 agents costs 4.6x (b about 1.10: not sub-linear)",
        setting=PaperSetting("self-organising, L1, N = 64/96/128/256", (), SCALING_NS,
                             ("L1",), "GPT-5.4", "6,000 runs")),
    CapabilityClaim(
        key="capability",
        claim="Capability reversal: free roles help strong models, hurt weak ones",
        paper="Claude +3.5% (0.594 vs 0.574), GLM-5 -9.6% (0.519 vs 0.574); no n or test",
        setting=PaperSetting("8 agents, free vs fixed roles, Claude Sonnet 4.6 and GLM-5",
                             (CLAUDE, GLM), (8,)),
        confirmatory=True,
        effect=StatedEffect(0.020 + 0.055, "a reversal of +0.020 vs -0.055 in Q between two "
                            "models (0.075)",
                            PowerInput("paired", math.sqrt(2) * PAIRED_SD, 0.574),
                            f"{PAIRED_SOURCE}, x sqrt(2) for two models")),
    OpenClosedClaim(
        key="open_closed",
        claim="Open models reach 95% of closed quality at about 24x lower price",
        paper="DeepSeek v3.2 0.829 vs Claude 0.875 (95%, p < 0.001); about 24x lower API price",
        setting=PaperSetting("16 agents, sequential, L3, 120 tasks per model, judge GPT-5.4",
                             (DEEPSEEK, CLAUDE), (16,), ("L3",), "GPT-5.4", "120 per model"),
        confirmatory=True,
        effect=StatedEffect(0.05 * 0.875, "a 5% quality gap to the closed Q 0.875 (0.044)",
                            PowerInput("paired", PAIRED_SD, 0.875), PAIRED_SOURCE)),
    ComplexityClaim(
        key="complexity", claim="Quality falls 37.7% from L1 to L4",
        paper="L1 0.986 (sd 0.011) -> L4 0.614 (sd 0.020), d = 22.9",
        setting=PaperSetting("32/64 agents, GPT-4.1-mini, L1 vs L4, 1,800 tasks", (MINI,),
                             (32, 64), ("L1", "L4"), "GPT-4o", "1,800"),
        confirmatory=True,
        effect=StatedEffect(0.377 * 0.986, "a 37.7% drop of L1's Q 0.986 (0.372)",
                            PowerInput("two-sample", math.sqrt((0.011**2 + 0.020**2) / 2),
                                       0.986),
                            "reference: SDs 0.011 (L1) and 0.020 (L4), pooled")),
    RolesClaim(
        key="roles", claim="5,006 unique roles emerge",
        paper="5,006 names with 8 agents, 5,010 with 64 (raw strings); 54% used once at N = 64",
        setting=PaperSetting("all series, N = 8 and 64, no normalisation described",
                             n_agents=(8, 64))),
    AbstentionClaim(
        key="abstention", claim="Agents abstain on their own",
        paper="38 of 60 non-contributors withdrew voluntarily under sequential; the "
              "coordinator excluded all 60; about 45% idle at N = 256",
        setting=PaperSetting("sequential vs coordinator (setting not stated); N = 256")),
    ResilienceClaim(
        key="resilience", claim="Protocols differ in resilience to shocks",
        paper="coordinator 0.774, sequential 0.829, broadcast 0.580, shared 0.589; the shock "
              "and the measure are not defined",
        setting=PaperSetting("8 agents, GPT-4.1-mini, L3 + L4 (pilot)", (MINI,), (8,),
                             ("L3", "L4"), "GPT-4o")),
    HierarchyClaim(
        key="hierarchy", claim="Hierarchy deepens with N and complexity",
        paper="depth 1.0 at N = 4 to 2.0 at N = 64; 1.22 (L1) to 1.56 (L4)",
        setting=PaperSetting("dependency detection not stated")),
    JudgeClaim(
        key="judging", claim="Judging is reliable (implicit)",
        paper="one judge (GPT-4o, later GPT-5.4), no agreement check",
        setting=PaperSetting("all series")),
)

CONFIRMATORY: tuple[ReferenceClaim, ...] = tuple(c for c in REFERENCE_CLAIMS if c.confirmatory)
