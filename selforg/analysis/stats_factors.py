"""Factor effects on Q: the capability threshold and the complexity drop (docs/study.md section 7).

Capability: does imposing roles (`fixed_roles`) help weak models and hurt strong ones? A two-way
ANOVA of Q on structure x model answers with the interaction's p; per model, the relative
difference free vs fixed with its CI shows the direction. Complexity: how much Q falls from the
first level (L1) to the last (L4). Replicates are averaged per task first (`task_means`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from selforg.analysis.result import Stat, finite_or_none, not_computable
from selforg.analysis.stats_basic import (
    cohens_d,
    is_constant,
    mean_ci,
    rel_diff,
    require_finite,
    task_means,
    welch_t,
)

# Errors pingouin raises on degenerate designs beyond the cases checked up front.
DEGENERATE = (ValueError, ZeroDivisionError, FloatingPointError, AssertionError, KeyError)
ANOVA_TEST = "two-way ANOVA (type II sums of squares)"


@dataclass(frozen=True)
class CapabilityResult:
    """interaction / structure / model: F (value) and p of each ANOVA term.

    per_model: mean(free) / mean(fixed) - 1 per model, with bootstrap CI.
    note: rows left out (non-finite q), if any.
    """

    interaction: Stat
    structure: Stat
    model: Stat
    per_model: dict[str, Stat]
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LevelDropResult:
    """means: Q per level. drop: 1 - mean(last) / mean(first), positive when Q falls.

    d: Cohen's d of first over last (positive when Q falls). test: Welch's t-test first vs last.
    note: rows left out (non-finite q), if any.
    """

    means: dict[str, Stat]
    drop: Stat
    d: Stat
    test: Stat
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _dropped(count: int) -> str:
    return f"{count} rows with non-finite q dropped" if count else ""


def _anova_guard(data: pd.DataFrame) -> str:
    """Why the two-way ANOVA cannot estimate the interaction on `data`, or "" if it can."""
    levels = {f: data[f].nunique() for f in ("structure", "model")}
    few = [f for f, k in levels.items() if k < 2]
    if few:
        return f"fewer than 2 levels of {', '.join(few)}"
    cells = data.groupby(["structure", "model"]).size()
    if len(cells) < levels["structure"] * levels["model"]:
        return "some structure x model cells have no data"
    if len(data) <= len(cells):
        return "no residual degrees of freedom (one observation per cell)"
    if all(is_constant(g.to_numpy()) for _, g in data.groupby(["structure", "model"])["q"]):
        return "zero variance within every cell"
    return ""


def _anova_terms(data: pd.DataFrame) -> dict[str, Stat]:
    """F and p of structure, model and their interaction (pingouin.anova, type II)."""
    import pingouin as pg

    n = len(data)
    terms = {"structure": "structure", "model": "model", "interaction": "structure * model"}
    guard = _anova_guard(data)
    if not guard:
        try:
            table = pg.anova(data=data, dv="q", between=["structure", "model"], ss_type=2)
        except DEGENERATE as error:
            guard = f"ANOVA failed: {error}"
    if guard:
        return {key: not_computable(guard, n=n, test=ANOVA_TEST) for key in terms}
    rows = table.set_index("Source")
    residual_df = finite_or_none(rows.loc["Residual", "DF"])
    return {
        key: require_finite(
            Stat(
                value=finite_or_none(rows.loc[source, "F"]),
                p=finite_or_none(rows.loc[source, "p_unc"]),
                n=n,
                test=ANOVA_TEST,
                extra={
                    "df1": finite_or_none(rows.loc[source, "DF"]),
                    "df2": residual_df,
                    "np2": finite_or_none(rows.loc[source, "np2"]),
                },
            ),
            f"pingouin returned no finite F for {source}",
        )
        for key, source in terms.items()
    }


def _paired_samples(group: pd.DataFrame, a: str, b: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """Q of structures a and b in one model, paired by task when both ran the same tasks."""
    x = group.loc[group["structure"] == a]
    y = group.loc[group["structure"] == b]
    if "task_id" in group and set(x["task_id"]) == set(y["task_id"]) and len(x) > 0:
        x, y = x.sort_values("task_id"), y.sort_values("task_id")
        return x["q"].to_numpy(), y["q"].to_numpy(), True
    return x["q"].to_numpy(), y["q"].to_numpy(), False


def capability(
    df: pd.DataFrame,
    free: str = "free",
    fixed: str = "fixed_roles",
    n_boot: int = 2000,
    seed: int = 0,
) -> CapabilityResult:
    """Two-way ANOVA of Q on structure x model, and the free-vs-fixed difference per model.

    df has columns structure (values `free` and `fixed`; other values are left out), model,
    q and optionally task_id. The interaction's p says whether the effect of imposing roles
    depends on the model. Per model, rel_diff(free, fixed) is paired by task when both
    structures ran the same tasks. ANOVA terms are not computable with fewer than 2 levels of a
    factor, an empty structure x model cell, no residual degrees of freedom, or zero variance.
    """
    data, dropped = task_means(df[df["structure"].isin([free, fixed])], ["structure", "model"], "q")
    terms = _anova_terms(data)
    per_model = {}
    for model, group in data.groupby("model", sort=True):
        x, y, paired = _paired_samples(group, free, fixed)
        per_model[str(model)] = rel_diff(x, y, paired=paired, n_boot=n_boot, seed=seed)
    return CapabilityResult(
        terms["interaction"], terms["structure"], terms["model"], per_model, _dropped(dropped)
    )


def level_drop(
    df: pd.DataFrame,
    first: str = "L1",
    last: str = "L4",
    n_boot: int = 2000,
    seed: int = 0,
) -> LevelDropResult:
    """Q by level and the relative drop from `first` to `last`: 1 - mean(last) / mean(first).

    df has columns level, q and optionally task_id. Levels hold different tasks, so the samples
    are independent: the drop's CI is the independent bootstrap of `rel_diff(last, first)`
    negated, d is the pooled-SD Cohen's d of first over last, and the test is Welch's t.
    """
    data, dropped = task_means(df, ["level"], "q")
    means = {str(k): mean_ci(g["q"]) for k, g in data.groupby("level", sort=True)}
    x = data.loc[data["level"] == first, "q"].to_numpy()
    y = data.loc[data["level"] == last, "q"].to_numpy()
    change = rel_diff(y, x, paired=False, n_boot=n_boot, seed=seed)
    drop = change
    if change.value is not None:
        drop = replace(
            change,
            value=-change.value,
            ci_low=None if change.ci_high is None else -change.ci_high,
            ci_high=None if change.ci_low is None else -change.ci_low,
        )
    return LevelDropResult(
        means, drop, cohens_d(x, y, paired=False), welch_t(x, y), _dropped(dropped)
    )
