"""Report section: do the judges agree with blind human ratings (`selforg rate`)?"""

from __future__ import annotations

from selforg.judging.human import HumanAgreement
from selforg.reporting.document import Block, Heading, Paragraph, Table
from selforg.reporting.text import est, missing, pval

MEASURE_LABELS = {"q": "Q", "mission": "mission relevance"}


def human_ratings(agreement: HumanAgreement) -> list[Block]:
    """Agreement per dimension, the judges' bias against the human mean, raters' agreement."""
    head: list[Block] = [Heading("Human ratings")]
    if agreement.empty:
        return [*head, Paragraph(
            "No human ratings yet: agreement with people is not computable. `selforg rate "
            "--rater ID` shows a blind, randomised sample of answers (no protocol, model or "
            "team size) with the judges' rubric and stores each rating in "
            "`data/human_ratings.parquet` (docs/viewer.md).")]
    a = agreement
    rows = [[MEASURE_LABELS.get(m, m), est(d.icc, 2), est(d.alpha, 2), est(d.spearman, 2),
             pval(d.spearman.p), est(d.bias, 2), str(d.icc.n)]
            for m, d in a.per_measure.items()]
    judges = sorted({j for d in a.per_measure.values() for j in d.bias_by_judge})
    bias_rows = [[MEASURE_LABELS.get(m, m),
                  *(est(d.bias_by_judge[j], 2) if j in d.bias_by_judge else "n/a"
                    for j in judges)]
                 for m, d in a.per_measure.items()]
    raters = (est(a.raters_alpha, 2) + f" (n = {a.raters_alpha.n} runs)"
              if a.raters_alpha.value is not None else missing(a.raters_alpha))
    left_out = (f" {a.unmatched} rating(s) of runs with no judged baseline run in this study "
                "are left out." if a.unmatched else "")
    return [
        *head,
        Paragraph(f"{a.ratings} blind rating(s) by {a.raters} rater(s) of {a.runs} judged "
                  f"run(s), on the judges' rubric and anchors.{left_out} Per run, the human "
                  "score is the mean over raters and the judge score the panel's (as Q). "
                  "ICC(A,1) asks whether the panel's score can stand in for a person's "
                  "(absolute agreement); Spearman rho whether they rank runs alike; bias is "
                  "judge minus human (positive: the judges score higher), in score points "
                  "(Q: on its 0.25-1 scale). Statistics with fewer runs than they need say "
                  "so (docs/judging.md)."),
        Table(["measure", "ICC(A,1) [CI]", "Krippendorff's alpha [CI]", "Spearman rho [CI]",
               "rho p", "panel bias [CI]", "n runs"], rows),
        Heading("Bias of each judge against the human mean", 3),
        Table(["measure", *judges], bias_rows),
        Paragraph(f"Agreement between the human raters themselves (Krippendorff's alpha of Q, "
                  f"runs rated by two or more): {raters}."),
    ]
