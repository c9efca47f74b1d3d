"""reports/metrics.json: the findings as flat, stable keys with numbers or null.

Keys follow `selforg.reporting.keys` (docs/report.md lists every key), e.g. `q.sequential`,
`q_ci_low.sequential`, `rel.sequential_vs_coordinator`, `q.sequential@gpt4o/n16`. A statistic
that cannot be computed is null (the report says why). Keys are sorted, so `dvc metrics diff`
and `git diff` read well across commits.
"""

from __future__ import annotations

import math
from numbers import Integral
from typing import Any

from selforg.analysis.comparisons import SettingResult
from selforg.analysis.findings import Findings
from selforg.analysis.multiplicity import claim_key, open_closed_key, pair_key
from selforg.analysis.result import Stat
from selforg.judging.human import human_metrics
from selforg.reporting import open_questions
from selforg.reporting.keys import ci_keys, n_key

# Summary metric -> key head, for the protocol figures of the pooled setting.
PROTOCOL_KEYS = {
    "q": "q", "m": "m", "tokens": "tokens_per_run", "cost_usd": "cost_usd_per_run",
    "latency_s": "latency_s", "error_rate": "error_rate", "balance": "balance",
    "abstention": "abstention", "abstention_voluntary": "abstention_voluntary",
    "abstention_directed": "abstention_directed", "hierarchy_depth": "hierarchy_depth",
    "roles_raw": "roles_raw", "roles_norm": "roles_norm", "role_gini": "role_gini",
    "role_stability": "role_stability", "unique_role_share": "unique_role_share",
}
# Summary metrics whose CI is written too.
WITH_CI = {"q", "error_rate"}
# Judge statistics -> key subject.
JUDGE_KEYS = {
    "icc2k": "icc2k", "krippendorff_alpha": "alpha", "test_retest": "test_retest",
    "ground_truth_agreement": "truth_agreement", "verbosity_bias": "verbosity_rho",
}


def _number(x: Any) -> float | int | None:
    """A JSON number (counts stay integers), or None for missing and non-finite values."""
    if x is None:
        return None
    if isinstance(x, Integral):
        return int(x)
    value = float(x)
    return value if math.isfinite(value) else None


class MetricsBuilder:
    """Collects keys; `stat` writes a Stat's value with its CI (and n when asked)."""

    def __init__(self) -> None:
        self.values: dict[str, float | int | None] = {}

    def put(self, key: str, value: Any) -> None:
        if key in self.values:
            raise ValueError(f"metrics key {key!r} written twice")
        self.values[key] = _number(value)

    def stat(self, key: str, stat: Stat, ci: bool = True, n: bool = False) -> None:
        self.put(key, stat.value)
        if ci:
            low, high = ci_keys(key)
            self.put(low, stat.ci_low if stat.value is not None else None)
            self.put(high, stat.ci_high if stat.value is not None else None)
        if n:
            self.put(n_key(key), stat.n)


def _setting(out: MetricsBuilder, findings: Findings, result: SettingResult, full: bool) -> None:
    """Q per protocol and the pairs of one setting; every figure when `full` (pooled)."""
    suffix = result.setting.suffix
    for protocol, summary in result.summaries.items():
        if full:
            for name, head in PROTOCOL_KEYS.items():
                stat = summary.stats[name]
                out.stat(f"{head}.{protocol}", stat, ci=name in WITH_CI, n=name == "q")
        else:
            out.stat(f"q.{protocol}{suffix}", summary.stats["q"], n=True)
    out.put(f"protocols.omnibus_p{suffix}", result.comparison.omnibus.p)
    for pair in result.comparison.pairs:
        subject = f"{pair.a}_vs_{pair.b}{suffix}"
        out.stat(f"rel.{subject}", pair.rel_diff, ci=full)
        out.put(f"p_adj.{subject}",
                findings.multiplicity.p_adj(pair_key(pair.a, pair.b, suffix)))
        if full:
            out.put(f"p.{subject}", pair.test.p)
            out.stat(f"d.{subject}", pair.d)
            out.stat(f"d_pooled.{subject}", pair.d_pooled)
            out.put(f"mde.{subject}", result.power[(pair.a, pair.b)].value)


def _effects(out: MetricsBuilder, findings: Findings) -> None:
    """Scaling, capability, open vs closed and complexity keys."""
    for s in findings.scaling:
        if s.model is not None:
            continue
        large = s.scope.startswith("organisations pooled, N")
        head = "scaling_large" if large else "scaling"
        tail = "" if s.protocol is None else f".{s.protocol}"
        out.put(f"{head}.kw_h{tail}", s.kruskal.value)
        out.put(f"{head}.kw_p{tail}", s.kruskal.p)
        out.put(f"{head}.friedman_p{tail}", s.friedman.p)
        out.stat(f"{head}.slope_log2n{tail}", s.slope)
        out.put(f"{head}.slope_p{tail}", s.slope.p)
        if not large:
            out.stat(f"cost.exponent{tail}", s.cost)
    pooled_capability = findings.capability[0].result
    out.put("capability.interaction_f", pooled_capability.interaction.value)
    out.put("capability.interaction_p", pooled_capability.interaction.p)
    out.put("capability.structure_p", pooled_capability.structure.p)
    for model, stat in pooled_capability.per_model.items():
        out.stat(f"capability.rel.{model}", stat)
    for o in findings.open_closed:
        tail = "" if o.protocol is None else f".{o.protocol}"
        out.stat(f"open_closed.quality_ratio{tail}", o.quality_ratio)
        out.put(f"open_closed.quality_p{tail}", o.quality_test.p)
        out.put(f"open_closed.quality_p_adj{tail}",
                findings.multiplicity.p_adj(open_closed_key(o.protocol)))
        out.stat(f"open_closed.cost_ratio{tail}", o.cost_ratio)
        if o.protocol is None:
            out.put("open_closed.list_price_ratio", o.list_price_ratio)
    for c in findings.complexity:
        tail = "" if c.protocol is None else f".{c.protocol}"
        out.stat(f"complexity.drop_l1_l4{tail}", c.result.drop)
        out.stat(f"complexity.d_l1_l4{tail}", c.result.d)
        out.put(f"complexity.p_l1_l4{tail}", c.result.test.p)
        if c.protocol is None:
            for level, stat in c.result.means.items():
                out.stat(f"q_level.{level}", stat, n=True)


def _judge(out: MetricsBuilder, findings: Findings) -> None:
    for name, stat in findings.reliability.items():
        if name in JUDGE_KEYS:
            out.stat(f"judge.{JUDGE_KEYS[name]}", stat)
        elif name.startswith("krippendorff_alpha_"):
            out.put(f"judge.alpha_{name.removeprefix('krippendorff_alpha_')}", stat.value)
    out.put("judge.verbosity_p", findings.reliability["verbosity_bias"].p)
    coverage = findings.reliability["ground_truth_agreement"].extra
    out.put("judge.truth_verifiable_answers", coverage.get("verifiable_answers"))
    out.put("judge.truth_decidable_answers", coverage.get("decidable_answers"))
    out.put("judge.flags", len(findings.flags))


def _confirmatory(out: MetricsBuilder, findings: Findings) -> None:
    """The confirmatory tests (raw and Holm p) and the design adequacy of each."""
    for result in findings.claims:
        if not result.claim.confirmatory:
            continue
        key = result.claim.key
        found = findings.multiplicity.get(claim_key(key))
        out.put(f"confirmatory_p.{key}", None if result.test is None else result.test.p)
        out.put(f"confirmatory_p_holm.{key}", None if found is None else found.p_adj)
        out.put(f"power_sd.{key}", None if result.power is None else result.power.sd)
        out.put(f"power_base.{key}", None if result.power is None else result.power.baseline)
    for a in findings.adequacy:
        out.put(f"adequacy_mde.{a.claim.key}", a.detectable.value)
        out.put(f"adequacy_tasks.{a.claim.key}", a.needed.n if a.needed.value is not None
                else None)


def flat_metrics(findings: Findings) -> dict[str, float | int | None]:
    """Every metrics.json key of the findings, sorted."""
    out = MetricsBuilder()
    t = findings.totals
    for key, value in {
        "runs.total": t.runs, "runs.failed": t.runs_failed,
        "judgments.total": t.judgments, "judgments.failed": t.judgments_failed,
        "turns.total": t.turns, "turns.parse_failed": t.parse_failures,
        "tokens.total": t.tokens_runs + t.tokens_judging + t.shocked_tokens,
        "tokens.runs": t.tokens_runs, "tokens.judging": t.tokens_judging,
        "cost_usd.total": t.cost_runs + t.cost_judging + t.shocked_cost,
        "cost_usd.runs": t.cost_runs,
        "cost_usd.judging": t.cost_judging,
        "runs.shocked": t.shocked_runs, "runs.shocked_failed": t.shocked_failed,
        "tokens.shocked": t.shocked_tokens, "cost_usd.shocked": t.shocked_cost,
    }.items():
        out.put(key, value)
    for r in findings.resilience:
        out.stat(f"resilience.{r.protocol}.{r.shock}", r.stat, n=True)
    open_questions.put_metrics(out, findings)
    _setting(out, findings, findings.pooled, full=True)
    for result in findings.cells:
        _setting(out, findings, result, full=False)
    _effects(out, findings)
    _confirmatory(out, findings)
    _judge(out, findings)
    for key, figure in human_metrics(findings.human).items():
        if isinstance(figure, Stat):
            out.stat(key, figure)
        else:
            out.put(key, figure)
    total = findings.roles_total
    out.put("roles_total.raw", total["n_roles_raw"].iloc[0] if len(total) else None)
    out.put("roles_total.norm", total["n_roles_norm"].iloc[0] if len(total) else None)
    return dict(sorted(out.values.items()))
