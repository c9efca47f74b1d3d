"""Report sections: emergent behaviour, judge reliability, power, failures."""

from __future__ import annotations

import pandas as pd

from selforg.analysis.findings import Findings
from selforg.analysis.power import family_alpha
from selforg.analysis.result import Stat
from selforg.analysis.stats import ALPHA
from selforg.judging.reliability import coverage_text
from selforg.reporting.document import Block, Bullets, Figure, Heading, Paragraph, Table
from selforg.reporting.sections_effects import by_n_rows
from selforg.reporting.text import est, missing, num, pval

RELIABILITY_LABELS = {
    "icc2k": "ICC(2,k) of Q across judges",
    "krippendorff_alpha": "Krippendorff's alpha of Q",
    "test_retest": "test-retest r (same judge, repeated sample)",
    "ground_truth_agreement": "balanced accuracy against verified ground truth",
    "verbosity_bias": "Spearman rho of Q with answer length",
}


def _count(value: float | None) -> str:
    """A count that may be missing (NaN from a pooled cell without roles)."""
    return "n/a" if value is None or pd.isna(value) else f"{float(value):g}"


def emergent(findings: Findings, roles_figure: Figure) -> list[Block]:
    """Roles (unique, normalised, Gini, stability), abstention and hierarchy depth."""
    per_protocol = []
    for protocol, s in findings.pooled.summaries.items():
        st = s.stats
        per_protocol.append([protocol, est(st["abstention_voluntary"]),
                             est(st["abstention_directed"]), est(st["hierarchy_depth"], 2),
                             _count(st["roles_raw"].value), _count(st["roles_norm"].value),
                             est(st["unique_role_share"]), est(st["role_gini"]),
                             est(st["role_stability"])])
    cells = [[str(r["protocol"]), str(r["model"]), str(int(r["n_agents"])), _count(r["n_runs"]),
              _count(r["n_roles_raw"]), _count(r["n_roles_norm"]), num(r["share_once"]),
              num(r["role_gini"])] for _, r in findings.roles.iterrows()]
    by_n = [[str(int(r["n_agents"])), _count(r["n_runs"]), _count(r["n_roles_raw"]),
             _count(r["n_roles_norm"]), num(r["share_once"])]
            for _, r in findings.roles_by_n.iterrows()]
    return [
        Heading("Emergent behaviour: roles, abstention, hierarchy"),
        Paragraph("Per protocol, all settings pooled. Abstention is over final-round turns, "
                  "voluntary (the agent's choice) or directed (a coordinator said idle). "
                  "Hierarchy depth is the number of agents on the longest chain of `follows` "
                  "links (1 = flat). Roles are those of agents that did not abstain: distinct "
                  "raw strings and distinct names after normalising case, punctuation, "
                  "whitespace and plurals; unique-role share = distinct normalised roles / "
                  "agents with a role, per run; Gini over agents per role; stability = share of "
                  "consecutive tasks in a cell where an agent slot keeps its role "
                  "(docs/metrics.md)."),
        Table(["protocol", "voluntary abstention", "directed abstention", "hierarchy depth",
               "distinct roles raw", "distinct roles normalised", "unique-role share",
               "role Gini", "role stability"], per_protocol),
        Heading("Roles per cell", 3),
        Table(["protocol", "model", "N", "runs", "roles raw", "roles normalised",
               "share used once", "Gini"], cells),
        Table(["N", "runs", "roles raw (all protocols)", "roles normalised", "share used once"],
              by_n),
        roles_figure,
        Heading("Abstention and hierarchy against N", 3),
        Table(["protocol", "model", "N", "voluntary abstention", "directed abstention",
               "hierarchy depth", "n tasks"],
              by_n_rows(findings, [("abstention_voluntary", 3), ("abstention_directed", 3),
                                   ("hierarchy_depth", 2)])),
    ]


def reliability(findings: Findings) -> list[Block]:
    """The judge panel's agreement statistics and the warnings they raise."""
    rows = []
    for key, stat in findings.reliability.items():
        label = RELIABILITY_LABELS.get(key)
        if label is None:
            label = f"Krippendorff's alpha of {key.removeprefix('krippendorff_alpha_')}"
        rows.append([label, est(stat, 2), pval(stat.p), str(stat.n), stat.test,
                     stat.note or ""])
    return [
        Heading("Judge reliability"),
        Paragraph("Can the panel's Q be trusted? Agreement between judge models (ICC(2,k), "
                  "Krippendorff's alpha), consistency of a judge with itself, agreement with "
                  "the code-checked ground truth of verifiable tasks, and whether Q merely "
                  "tracks answer length (docs/judging.md)."),
        Table(["statistic", "value [CI]", "p", "n", "method", "note"], rows),
        *_checker_coverage(findings),
        Heading("Warnings", 3),
        Bullets(findings.flags or ["none: every check passed its threshold"]),
    ]


def _effect(stat: Stat, baseline: float) -> str:
    """An effect in Q units and as a share of the baseline it is relative to."""
    if stat.value is None:
        return missing(stat)
    share = f" ({100 * stat.value / baseline:.1f}% of {baseline:.3f})" if baseline else ""
    return f"{stat.value:.3f}{share}"


def _tasks(stat: Stat) -> str:
    return missing(stat) if stat.value is None else f"{int(stat.value)}"


def cannot_tell(findings: Findings) -> list[str]:
    """Plain statements of what this study's design cannot tell about the confirmatory claims."""
    lines = []
    for a in findings.adequacy:
        effect = a.claim.effect
        if effect is None:
            continue
        if a.tasks == 0:
            lines.append(f"{a.claim.claim}: {a.setting}; detecting {effect.text} there would "
                         f"take {_tasks(a.needed)} tasks.")
        elif a.detectable.value is None or a.detectable.value > effect.value:
            lines.append(f"{a.claim.claim}: at {a.tasks} tasks the smallest detectable effect "
                         f"is {_effect(a.detectable, a.inputs.baseline)}, larger than "
                         f"{effect.text}; a non-significant result is not evidence against "
                         f"the claim ({_tasks(a.needed)} tasks would be needed).")
    pairs = [(r, p) for r in [findings.pooled, *findings.cells, *findings.levels]
             for p in r.comparison.pairs]
    floor = [(r, p) for r, p in pairs if p.test.note.startswith("cannot reach alpha")]
    if floor:
        sizes = sorted({p.rel_diff.n for _, p in floor})
        lines.append(f"{len(floor)} of {len(pairs)} protocol-pair tests cannot reach alpha = "
                     f"{ALPHA} at their number of tasks ({', '.join(map(str, sizes))}): they "
                     "are shown without a test, and no difference there is evidence either "
                     "way.")
    return lines
def _checker_coverage(findings: Findings) -> list[Block]:
    """How many verifiable answers the code checker could decide (docs/tasks.md)."""
    stat = findings.reliability.get("ground_truth_agreement")
    text = coverage_text(stat.extra) if stat is not None else ""
    if not text:
        return []
    return [Paragraph(f"Ground truth: {text}. Agreement with ground truth uses decided answers "
                      "only; an undecidable answer is one whose stated value the checker cannot "
                      "pin down (its reason is in the judgments' verdict column).")]


def power(findings: Findings) -> list[Block]:
    """Design adequacy of the confirmatory comparisons, and the detectable d of every pair."""
    adequacy = [[a.claim.claim, a.setting, str(a.tasks) if a.tasks else "-",
                 f"{a.inputs.sd:.3f} ({a.source})",
                 _effect(a.detectable, a.inputs.baseline) if a.tasks else "-",
                 a.claim.effect.text if a.claim.effect else "-", _tasks(a.needed)]
                for a in findings.adequacy]
    rows = []
    for result in [findings.pooled, *(findings.cells if len(findings.cells) > 1 else [])]:
        paired = "paired" if result.comparison.design.startswith("complete") else "independent"
        for pair in result.comparison.pairs:
            mde = result.power[(pair.a, pair.b)]
            rows.append([result.setting.label, f"{pair.a} vs {pair.b}", paired, str(mde.n),
                         num(mde.value, 2) if mde.value is not None else missing(mde),
                         est(pair.d, 2)])
    return [
        Heading("Design adequacy"),
        Paragraph(f"For each confirmatory comparison, in this study's setting matching the "
                  f"paper's: the smallest effect its test detects with 80% power at the tasks "
                  f"that setting has, and the tasks it would need for the paper's effect. "
                  f"Two-sided t-test of the same design on the noncentral t (a signed-rank "
                  f"test at 3/pi of the tasks), at alpha = {family_alpha():.4f} (0.05 over "
                  f"the family of {len(findings.multiplicity.confirmatory)}, the level Holm "
                  "guarantees each test). The SD is this run's where the setting was run, else "
                  "the reference study's reported spread (how it was derived is shown). "
                  "`selforg plan` prints the same before a study."),
        Table(["claim", "setting here", "tasks", "SD (source)", "smallest detectable effect",
               "paper's effect", "tasks needed"], adequacy),
        Heading("What this study cannot tell", 3),
        Bullets(cannot_tell(findings) or ["every confirmatory comparison was run with enough "
                                          "tasks to detect the paper's effect"]),
        Heading("Protocol pairs", 3),
        Paragraph(f"The smallest standardised effect (Cohen's d) each comparison could detect "
                  f"with 80% power at alpha {ALPHA} (two-sided t-test of the same design; the "
                  "rank tests used have about 95% of its efficiency under normality). An "
                  "observed difference below it is not evidence of no difference."),
        Table(["setting", "pair", "design", "n", "minimum detectable d", "observed d [CI]"],
              rows) if rows else Paragraph("No comparison: fewer than 2 protocols with data."),
    ]


def failures(findings: Findings) -> list[Block]:
    """Failed runs and judgments by reason, unparsable turns."""
    t = findings.totals
    rows = [[str(r["kind"]), str(r["who"]), str(r["reason"]), str(r["count"])]
            for _, r in findings.failures.iterrows()]
    summary = (f"{t.runs_failed} of {t.runs} runs failed, {t.judgments_failed} of "
               f"{t.judgments} judgments failed, {t.parse_failures} of {t.turns} agent turns "
               "could not be parsed as turn JSON (kept, with the raw reply as contribution). "
               "Failed runs count in the error rate and are left out of every quality figure.")
    return [Heading("Failures"), Paragraph(summary),
            Table(["kind", "protocol / judge", "reason", "count"], rows) if rows
            else Paragraph("No run and no judgment failed.")]

