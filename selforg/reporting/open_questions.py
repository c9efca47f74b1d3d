"""The report's open-questions section, its rows of the paper comparison and its
metrics.json keys (selforg.analysis.open_questions computes the figures)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from selforg.analysis.findings import Findings
from selforg.analysis.open_questions import BATCHED, SEQUENTIAL, TWO_PASS, TWO_PASS_KEY
from selforg.reporting.document import Block, Heading, Paragraph, Table
from selforg.reporting.text import est, full, tested

if TYPE_CHECKING:
    from selforg.reporting.metrics_json import MetricsBuilder

NOT_MEASURED = "not measured in this study"


def _not_run(*protocols: str) -> str:
    return f"{' and '.join(protocols)} not both run"


def _priority_shocks(findings: Findings) -> str:
    return ", ".join(sorted(findings.design.priority_shifts))


def section(findings: Findings) -> list[Block]:
    """Batching, the second pass and the priority shift, or why each was not measured."""
    oq = findings.open_questions
    blocks: list[Block] = [Heading("Open questions of the reference study")]
    if oq.batching:
        k = oq.batching[0].batch_size
        blocks += [
            Paragraph(f"Batched sequential (batches of K = {k} in parallel, each seeing the "
                      "earlier batches) against sequential: quality kept = mean Q batched / "
                      "mean Q sequential, latency kept = mean critical-path latency batched / "
                      "sequential (1 - latency kept is the share saved), task means of twin "
                      "runs (same model, N, replicate and task), paired Fieller CI."),
            Table(["setting", "quality kept [95% CI], n tasks", "latency kept [95% CI], n tasks"],
                  [[r.setting.label, full(r.quality_kept), full(r.latency_kept)]
                   for r in oq.batching])]
    else:
        blocks.append(Paragraph(f"Batched sequential: {NOT_MEASURED} "
                                f"({_not_run(BATCHED, SEQUENTIAL)})."))
    if oq.second_pass is not None:
        sp = oq.second_pass
        blocks += [
            Paragraph("Two-pass sequential against sequential, the prediction of the published "
                      "response (a second pass helps on L4 and changes nothing on L1/L2): gain "
                      "= mean Q two-pass / mean Q sequential - 1 per level group, models and N "
                      "pooled with the task as block (paired Fieller CI); then the gain on "
                      "L4 tasks minus the gain on L1/L2 tasks, in Q points per task (Welch's "
                      "t, exploratory: Benjamini-Hochberg with the study's other exploratory "
                      "tests)."),
            Table(["levels", "gain of the second pass [95% CI], n tasks"],
                  [[group, full(stat, percent=True, sign=True)]
                   for group, stat in sp.gains.items()]),
            Paragraph("L4 gain minus L1/L2 gain: "
                      f"{tested(sp.l4_minus_l1_l2, findings.multiplicity.get(TWO_PASS_KEY))}."),
        ]
    else:
        blocks.append(Paragraph(f"Two-pass sequential: {NOT_MEASURED} "
                                f"({_not_run(TWO_PASS, SEQUENTIAL)})."))
    if oq.priority_shift:
        blocks += [
            Paragraph("Resilience to the priority shift (shocks "
                      f"{_priority_shocks(findings)}): a new constraint or a change of "
                      "priorities from the task's domain announced at the run's midpoint to "
                      "every agent asked afterwards; the shocked run is judged against the "
                      "updated task, its baseline twin against the original one. Measured as "
                      "every resilience (section \"Resilience to shocks\")."),
            Table(["protocol", "shock", "resilience [95% CI], n tasks"],
                  [[r.protocol, r.shock, full(r.stat)] for r in oq.priority_shift])]
    else:
        blocks.append(Paragraph(f"Priority shift: {NOT_MEASURED} (no priority_shift shock "
                                "under study.shocks, or no protocol that can be shocked)."))
    return blocks


def _batching_claim(findings: Findings) -> tuple[str, str]:
    rows = findings.open_questions.batching
    if not rows:
        return f"{NOT_MEASURED} ({_not_run(BATCHED, SEQUENTIAL)})", "-"
    pooled = rows[0]
    return (f"quality kept {est(pooled.quality_kept)}, latency kept "
            f"{est(pooled.latency_kept)}; n = {pooled.quality_kept.n} tasks",
            f"K = {pooled.batch_size}; {pooled.setting.label}")


def _second_pass_claim(findings: Findings) -> tuple[str, str]:
    sp = findings.open_questions.second_pass
    if sp is None:
        return f"{NOT_MEASURED} ({_not_run(TWO_PASS, SEQUENTIAL)})", "-"
    gains = "; ".join(f"{group} {est(stat, percent=True, sign=True)} (n = {stat.n})"
                      for group, stat in sp.gains.items())
    adjusted = tested(sp.l4_minus_l1_l2, findings.multiplicity.get(TWO_PASS_KEY))
    return (f"gain {gains}; L4 minus L1/L2 {adjusted}",
            "models and N pooled, task as block")


def _priority_claim(findings: Findings) -> tuple[str, str]:
    rows = findings.open_questions.priority_shift
    if not rows:
        return f"{NOT_MEASURED} (no priority_shift shock run)", "-"
    return ("; ".join(f"{r.protocol}: {est(r.stat)}, n = {r.stat.n}" for r in rows),
            f"shocks {_priority_shocks(findings)}; mean Q shocked / baseline twins, models "
            "and N pooled")


# (claim, paper's figure, paper's setting, this study's figure and setting): rows of the
# "reference study vs this study" table.
CLAIM_ROWS: list[tuple[str, str, str, Callable[[Findings], tuple[str, str]]]] = [
    ("Batched sequential keeps sequential's quality at O(N/K) latency",
     "proposed as future work, not measured", "-", _batching_claim),
    ("A second pass helps on L4 and changes nothing on L1/L2",
     "predicted by the published response (Lerer 2026), not measured", "-",
     _second_pass_claim),
    ("Resilience to a priority shift", "one of the paper's four shocks; no per-shock figure "
     "given", "-", _priority_claim),
]


def put_metrics(out: MetricsBuilder, findings: Findings) -> None:
    """The open questions' metrics.json keys (docs/report.md)."""
    oq = findings.open_questions
    for r in oq.batching:
        out.stat(f"batched.quality_kept{r.setting.suffix}", r.quality_kept, n=True)
        out.stat(f"batched.latency_kept{r.setting.suffix}", r.latency_kept, n=True)
    if oq.second_pass is not None:
        for group, stat in oq.second_pass.gains.items():
            out.stat(f"two_pass.gain_{group.replace('/', '_')}", stat, n=True)
        out.stat("two_pass.l4_minus_l1_l2", oq.second_pass.l4_minus_l1_l2, n=True)
        out.put("two_pass.p_l4_minus_l1_l2", oq.second_pass.l4_minus_l1_l2.p)
