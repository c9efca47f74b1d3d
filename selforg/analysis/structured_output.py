"""How each model's calls asked for JSON (turns.structured_output, judgments.structured_output).

The report shows it so a reader sees which replies were constrained by the server and which
were free text parsed afterwards (docs/configuration.md, "Structured output"), and where a
model fell back from the mode it started with.
"""

from __future__ import annotations

import pandas as pd

COLUMNS = ["model", "calls", "mode", "count"]


def structured_output_use(turns: pd.DataFrame, judgments: pd.DataFrame) -> pd.DataFrame:
    """One row per (model alias, kind of call, mode) with its number of rows; rows that asked
    for no JSON (the assembly call, directed or removed agents) are left out."""
    parts = []
    for frame, who, kind in ((turns, "model", "agent turns"),
                             (judgments, "judge_model", "judgments")):
        if frame.empty or "structured_output" not in frame:
            continue
        used = frame[frame["structured_output"].notna()]
        counts = used.groupby([who, "structured_output"]).size()
        parts.append(pd.DataFrame({"model": counts.index.get_level_values(0),
                                   "calls": kind,
                                   "mode": counts.index.get_level_values(1),
                                   "count": counts.to_numpy()}))
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(parts, ignore_index=True).sort_values(["model", "calls", "mode"],
                                                           ignore_index=True)
