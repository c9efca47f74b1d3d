"""Plot data under reports/plots/ (CSV, for `dvc plots`) from the findings.

One table per figure of the report; the same rows feed the Vega-Lite specs of
`selforg.reporting.figures`, so `dvc plots show` and the report draw the same numbers. dvc.yaml
declares each file with its x and y columns; PLOT_FILES is the one list of their names.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from selforg.analysis.breakdowns import pick
from selforg.analysis.descriptives import point
from selforg.analysis.findings import Findings

CI = ["ci_low", "ci_high", "n"]
PLOT_FILES = ("quality_by_protocol", "quality_by_n", "cost_by_n", "quality_by_level",
              "roles_by_n")
ROLE_COLUMNS = ["protocol", "model", "n_agents", "n_runs", "n_roles_raw", "n_roles_norm",
                "share_once", "role_gini"]


def quality_by_protocol(findings: Findings) -> pd.DataFrame:
    """Pooled Q per protocol with its CI (n = tasks)."""
    rows = [{"protocol": p, "q": point(s.stats["q"]), "ci_low": s.stats["q"].ci_low,
             "ci_high": s.stats["q"].ci_high, "n": s.stats["q"].n}
            for p, s in findings.pooled.summaries.items()]
    return pd.DataFrame(rows, columns=["protocol", "q", *CI])


def _named(table: pd.DataFrame, metric: str, keys: list[str]) -> pd.DataFrame:
    """One metric of a breakdown, its value column renamed to the metric."""
    rows = pick(table, metric) if len(table) else pd.DataFrame(columns=[*keys, "value", *CI])
    return rows[[*keys, "value", *CI]].rename(columns={"value": metric})


def quality_by_n(findings: Findings) -> pd.DataFrame:
    return _named(findings.by_n, "q", ["protocol", "model", "n_agents"])


def cost_by_n(findings: Findings) -> pd.DataFrame:
    """Tokens per run (with CI) and USD per run against N."""
    keys = ["protocol", "model", "n_agents"]
    tokens = _named(findings.by_n, "tokens", keys)
    usd = _named(findings.by_n, "cost_usd", keys)[[*keys, "cost_usd"]]
    return tokens.merge(usd, on=keys, how="left")


def quality_by_level(findings: Findings) -> pd.DataFrame:
    table = _named(findings.by_level, "q", ["protocol", "level"])
    return table.assign(label=table["protocol"] + " " + table["level"])


def roles_by_n(findings: Findings) -> pd.DataFrame:
    roles = findings.roles
    return (roles.reindex(columns=ROLE_COLUMNS) if len(roles)
            else pd.DataFrame(columns=ROLE_COLUMNS))


def plot_tables(findings: Findings) -> dict[str, pd.DataFrame]:
    """Every plot table by file name (without .csv)."""
    return {"quality_by_protocol": quality_by_protocol(findings),
            "quality_by_n": quality_by_n(findings), "cost_by_n": cost_by_n(findings),
            "quality_by_level": quality_by_level(findings), "roles_by_n": roles_by_n(findings)}


def write_plots(tables: dict[str, pd.DataFrame], directory: Path) -> None:
    """Write each table as <directory>/<name>.csv."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        table.to_csv(directory / f"{name}.csv", index=False)
