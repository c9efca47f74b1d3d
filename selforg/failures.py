"""A study whose calls failed is not a finished study.

The run_protocol and judge stages (and the flow's merge of batches) write their tables either
way, so what failed can be inspected; then `check_failures` decides. More failed rows than
`study.max_failed_share` allows (default 0: any) raise `StudyIncomplete`: the process exits
non-zero, so `dvc repro` does not record the stage as done and stops before the stages that
would analyse the gap, and one message says how many failed, the most common reasons, and that
running again retries only the failed calls (every answered call replays from the cache).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from selforg.errors import SelforgError

MOST_COMMON = 3
REASON_CHARS = 200
# "agent 3 round 1: ", "assembly: " and the like: where in a run a call failed, not why.
_WHERE = re.compile(r"^(agent -?\d+ round \d+|assembly|coordinator plan): ")


class StudyIncomplete(SelforgError):
    """Runs or judgments failed after their retries, more than study.max_failed_share allows;
    the tables were written, the stage is not done."""

    exit_code = 4


def reason(error: str | None) -> str:
    """An error message without the run-specific place it happened, cut to a readable size."""
    text = _WHERE.sub("", (error or "no reason recorded").strip())
    return text if len(text) <= REASON_CHARS else text[:REASON_CHARS - 3] + "..."


def check_failures(stage: str, kind: str, rows: Sequence[Mapping[str, Any]],
                   max_failed_share: float, written: str) -> str:
    """Raise StudyIncomplete when too many of `rows` (runs or judgments, with `status` and
    `error`) failed; otherwise return the line to print about the failures (empty if none)."""
    failed = [r for r in rows if r["status"] != "ok"]
    if not failed:
        return ""
    share = len(failed) / len(rows)
    if share <= max_failed_share:
        return (f"{stage}: {len(failed)} of {len(rows)} {kind} failed ({share:.1%}), within "
                f"study.max_failed_share = {max_failed_share:g}")
    reasons = Counter(reason(r["error"]) for r in failed).most_common(MOST_COMMON)
    lines = "\n".join(f"    {count} x {text}" for text, count in reasons)
    raise StudyIncomplete(
        f"{stage}: {len(failed)} of {len(rows)} {kind} failed after their retries "
        f"({share:.1%}, more than study.max_failed_share = {max_failed_share:g}). The tables "
        f"are written ({written}) so the failures can be inspected, but the study is not "
        f"finished. Most common reasons:\n{lines}",
        "fix the cause and run `dvc repro` again: finished calls replay from the cache at no "
        "cost and only the failed calls are made again. To accept a known share of permanent "
        "failures, set study.max_failed_share (e.g. 0.05) in params.yaml")
