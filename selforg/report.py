"""The study report (reports/report.md): what ran, headline table, failures, caveats.

Everything printed comes from the tables and metrics of this run; a statistic that cannot be
computed is printed as "not computable (reason)". When judges judged runs of their own model
(allowed only with judges.allow_self_judging) the report says so at the very top.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from selforg.analysis.result import Stat
from selforg.config import StudyConfig


def _fmt(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None or pd.isna(x) else f"{x:.{digits}f}"


def headline_rows(frame: pd.DataFrame, quality: dict[str, Stat]) -> list[dict[str, Any]]:
    rows = []
    for protocol, g in frame.groupby("protocol", sort=True):
        ok = g[g["status"] == "ok"]
        stat = quality.get(str(protocol))
        rows.append({
            "protocol": protocol,
            "runs": len(g), "failed": int((g["status"] != "ok").sum()),
            "Q (95% CI)": stat.describe() if stat else "not computable (no judged runs)",
            "M": _fmt(ok["m"].mean() if ok["m"].notna().any() else None),
            "tokens/run": _fmt(ok["tokens"].mean() if len(ok) else None, 0),
            "latency s": _fmt(ok["latency_s"].mean() if len(ok) else None, 2),
        })
    return rows


def markdown_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "_no rows_"
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(r[h]) for h in head) + " |" for r in rows]
    return "\n".join(lines)


def render_report(cfg: StudyConfig, frame: pd.DataFrame, quality: dict[str, Stat],
                  judgments: pd.DataFrame) -> str:
    parts = ["# selforg study report", ""]
    if cfg.self_judging:
        parts += ["> **Warning: self-judging.** At least one judge model also produced the runs "
                  "it judged (`judges.allow_self_judging: true`). Its scores may favour its own "
                  "style; treat quality differences with caution.", ""]
    models = ", ".join(f"{m.name} (`{m.model}`)" for m in cfg.agent_models)
    judges = ", ".join(f"{m.name} (`{m.model}`)" for m in cfg.judge_models)
    levels = ", ".join(sorted(frame["level"].unique())) if len(frame) else "none"
    parts += [
        "## Setting", "",
        f"- Models: {models}",
        f"- Protocols: {', '.join(cfg.study.protocols)}; N: {cfg.study.n_agents}; "
        f"replicates: {cfg.study.replicates}; assembly: {cfg.study.assembly}",
        f"- Tasks: {frame['task_id'].nunique()} (levels {levels}), seed {cfg.seed}",
        f"- Judges: {judges}, {cfg.judges.samples} sample(s) each",
        "",
        "## Quality by protocol", "",
        "Q = (accuracy + completeness + coherence + actionability) / 16, mean over the judge "
        "panel per run, then over runs; CI is t-based.", "",
        markdown_table(headline_rows(frame, quality)), "",
        "## Failures", "",
    ]
    failed = frame[frame["status"] != "ok"]
    bad_judgments = judgments[judgments["status"] != "ok"]
    if failed.empty and bad_judgments.empty:
        parts.append("No run and no judgment failed.")
    else:
        parts.append(f"{len(failed)} failed run(s), {len(bad_judgments)} failed judgment(s).")
        for reason, count in failed["error"].fillna("unknown").value_counts().items():
            parts.append(f"- run: {reason} ({count})")
        for reason, count in bad_judgments["error"].fillna("unknown").value_counts().items():
            parts.append(f"- judgment: {str(reason)[:160]} ({count})")
    return "\n".join(parts) + "\n"
