"""docs/judging.md states what the code does: every anchor, limit and threshold."""

from __future__ import annotations

from pathlib import Path

import pytest

from selforg.judging import reliability as rel
from selforg.judging.prompt import MAX_ANSWER_CHARS, MAX_RATIONALE_CHARS, MAX_TASK_CHARS
from selforg.judging.rubric import ANCHORS, DIMENSIONS, QUESTIONS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "judging.md").read_text()


@pytest.mark.parametrize("dim", DIMENSIONS)
def test_rubric_table_row_matches_the_code(dim: str) -> None:
    row = next(line for line in DOC.splitlines() if line.startswith(f"| {dim} "))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1:] == [QUESTIONS[dim], *(ANCHORS[dim][level] for level in (1, 2, 3, 4))]


@pytest.mark.parametrize(
    "fact",
    [
        f"`MAX_ANSWER_CHARS` = {MAX_ANSWER_CHARS}",
        f"`MAX_TASK_CHARS` = {MAX_TASK_CHARS}",
        f"`maxLength` {MAX_RATIONALE_CHARS}",
        f"({rel.N_BOOT} resamples,\nseed {rel.SEED}",
        f"< {rel.ICC_POOR} poor",
        f"< {rel.ICC_GOOD} moderate",
        f"< {rel.ALPHA_MIN} unreliable",
        f"< {rel.ALPHA_GOOD} tentative",
        f"| test-retest r | < {rel.RETEST_MIN}",
        f"at or below {rel.CHANCE_BALANCED_ACCURACY}",
        f"< {rel.GROUND_TRUTH_MIN}: judges often misjudge",
        f"abs(rho) ≥ {rel.VERBOSITY_RHO}",
        f"at least {rel.JUDGED_CORRECT_FROM}",
        "allow_self_judging: true",
        "Q = (accuracy + completeness + coherence + actionability) / 16",
        "M = mission / 4",
    ],
)
def test_doc_states_the_code_constants(fact: str) -> None:
    assert fact in DOC
