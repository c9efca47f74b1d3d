"""Factor effects on Q: the capability threshold and the complexity drop (docs/study.md section 7).

Capability: does imposing roles (`fixed_roles`) help weak models and hurt strong ones? Both
structures run the same tasks, so the task is the block: per model and task the difference
free - fixed is taken first, and the interaction (does the effect of roles depend on the
model?) is a test of whether those paired differences differ across models. When every model
ran the same tasks that is a repeated-measures ANOVA (tasks as subjects, model within); with
two models it is the paired t-test of the difference of differences. A two-way ANOVA that
ignores the tasks leaves their spread in the error term and finds a real reversal rarely.
Complexity: levels hold different tasks, so no task can block the L1 -> L4 drop; the task is
the unit (each task's runs averaged), and the comparison is between groups (Welch's t,
pooled-SD d). Replicates are averaged per task first (`task_means`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

from selforg.analysis.result import Stat, finite_or_none, not_computable
from selforg.analysis.stats_basic import (
    Q_RANGE,
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
RM_TEST = "repeated-measures ANOVA of free - fixed across models (tasks as blocks)"
WELCH_TEST = "Welch's ANOVA of free - fixed across models (tasks paired within model)"
STRUCTURE_TEST = "paired t-test of free - fixed over tasks (models averaged per task)"


@dataclass(frozen=True)
class CapabilityResult:
    """interaction: does free - fixed differ across models (F, p; task-blocked).

    structure: the mean of free - fixed over tasks (t, p), the main effect of imposing roles.
    per_model: mean(free) / mean(fixed) - 1 per model, paired by task, with Fieller's CI.
    note: rows or tasks left out, if any.
    """

    interaction: Stat
    structure: Stat
    per_model: dict[str, Stat]
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LevelDropResult:
    """means: Q per level. drop: 1 - mean(last) / mean(first), positive when Q falls.

    d: pooled-SD Cohen's d of first over last (positive when Q falls). test: Welch's t-test
    first vs last. note: rows left out (non-finite q), if any.
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


def paired_differences(data: pd.DataFrame, free: str, fixed: str) -> pd.DataFrame:
    """free - fixed per (model, task) where both structures have a task mean: model x task."""
    wide = data.pivot_table(index=["model", "task_id"], columns="structure", values="q")
    if free not in wide or fixed not in wide:
        return pd.DataFrame(columns=["model", "task_id", "diff"])
    diff = (wide[free] - wide[fixed]).dropna()
    return diff.rename("diff").reset_index()


def _rm_anova(matrix: pd.DataFrame) -> Stat:
    """One-way repeated-measures ANOVA of the columns (models) of a complete task x model table.

    F = MS(model) / MS(task x model), df (k - 1, (k - 1)(t - 1)): the two-way ANOVA without
    replication, which is the structure x model interaction of the task-blocked design.
    extra["ms_error"] is MS(task x model); with two models, twice it is the variance of the
    per-task difference of differences.
    """
    t, k = matrix.shape
    values = matrix.to_numpy(dtype=float)
    grand = values.mean()
    ss_model = t * float(((values.mean(axis=0) - grand) ** 2).sum())
    residual = values - values.mean(axis=0) - values.mean(axis=1, keepdims=True) + grand
    ss_error = float((residual**2).sum())
    df1, df2 = k - 1, (k - 1) * (t - 1)
    if is_constant(residual.ravel()):
        return not_computable("the free - fixed differences have no task x model variation",
                              n=t, test=RM_TEST)
    f_value = (ss_model / df1) / (ss_error / df2)
    stat = Stat(value=finite_or_none(f_value), p=finite_or_none(st.f.sf(f_value, df1, df2)),
                n=t, test=RM_TEST, extra={"df1": df1, "df2": df2, "ms_error": ss_error / df2,
                                          "np2": ss_model / (ss_model + ss_error)})
    return require_finite(stat, "no finite F")


def _welch_anova(diffs: pd.DataFrame) -> Stat:
    """Welch's ANOVA of the paired differences across models that ran different tasks."""
    import pingouin as pg

    groups = {m: g["diff"].to_numpy() for m, g in diffs.groupby("model")}
    n = len(diffs)
    small = [m for m, x in groups.items() if x.size < 2]
    if small:
        return not_computable(f"fewer than 2 paired tasks for {', '.join(map(str, small))}",
                              n=n, test=WELCH_TEST)
    if any(is_constant(x) for x in groups.values()):
        return not_computable("zero variance of free - fixed in a model", n=n, test=WELCH_TEST)
    try:
        row = pg.welch_anova(data=diffs, dv="diff", between="model").iloc[0]
    except DEGENERATE as error:
        return not_computable(f"Welch's ANOVA failed: {error}", n=n, test=WELCH_TEST)
    stat = Stat(value=finite_or_none(row["F"]), p=finite_or_none(row["p_unc"]), n=n,
                test=WELCH_TEST, extra={"df1": finite_or_none(row["ddof1"]),
                                        "df2": finite_or_none(row["ddof2"])})
    return require_finite(stat, "pingouin returned no finite F")


def _structure_test(per_task: pd.Series) -> Stat:
    """One-sample t-test of the mean free - fixed difference per task against 0."""
    x = per_task.to_numpy(dtype=float)
    n = int(x.size)
    if n < 2:
        return not_computable("fewer than 2 tasks ran under both structures", n=n,
                              test=STRUCTURE_TEST)
    if is_constant(x):
        return not_computable("the free - fixed differences have zero variance", n=n,
                              test=STRUCTURE_TEST)
    result = st.ttest_1samp(x, 0.0)
    stat = Stat(value=finite_or_none(result.statistic), p=finite_or_none(result.pvalue), n=n,
                test=STRUCTURE_TEST, extra={"df": n - 1, "mean_diff": float(x.mean())})
    return require_finite(stat, "scipy returned no finite t")


def _interaction(diffs: pd.DataFrame) -> tuple[Stat, str]:
    """The structure x model interaction on the paired differences, and a note on tasks left out.

    Complete blocks (the tasks every model has, when they are at least half of the tasks):
    repeated measures; otherwise Welch's ANOVA of the differences across models.
    """
    models = diffs["model"].nunique()
    if models < 2:
        reason = ("no task ran under both structures" if models == 0
                  else "fewer than 2 models ran both structures")
        return not_computable(reason, n=diffs["task_id"].nunique(), test=RM_TEST), ""
    matrix = diffs.pivot(index="task_id", columns="model", values="diff")
    complete = matrix.dropna()
    if len(complete) >= max(2, math.ceil(0.5 * len(matrix))):
        left_out = len(matrix) - len(complete)
        note = (f"{left_out} task(s) without both structures in every model left out"
                if left_out else "")
        return _rm_anova(complete), note
    return _welch_anova(diffs), ""


def capability(df: pd.DataFrame, free: str = "free",
               fixed: str = "fixed_roles") -> CapabilityResult:
    """Task-blocked test of structure x model, the main effect of structure, and per model
    mean(free) / mean(fixed) - 1.

    df has columns structure (values `free` and `fixed`; other values are left out), model,
    task_id and q. Not computable with fewer than 2 models that ran both structures on common
    tasks, fewer than 2 such tasks, or no variation of the differences.
    """
    data, dropped = task_means(df[df["structure"].isin([free, fixed])], ["structure", "model"], "q")
    diffs = paired_differences(data, free, fixed)
    interaction, left_out = _interaction(diffs)
    per_task = diffs.groupby("task_id")["diff"].mean()
    per_model = {}
    for model, group in data.groupby("model", sort=True):
        wide = group.pivot(index="task_id", columns="structure", values="q")
        both = wide.dropna() if {free, fixed} <= set(wide.columns) else wide.iloc[0:0]
        x = both[free].to_numpy() if len(both) else np.array([])
        y = both[fixed].to_numpy() if len(both) else np.array([])
        per_model[str(model)] = rel_diff(x, y, paired=True, value_range=Q_RANGE)
    note = "; ".join(n for n in (_dropped(dropped), left_out) if n)
    return CapabilityResult(interaction, _structure_test(per_task), per_model, note)


def level_drop(
    df: pd.DataFrame,
    first: str = "L1",
    last: str = "L4",
) -> LevelDropResult:
    """Q by level and the relative drop from `first` to `last`: 1 - mean(last) / mean(first).

    df has columns level, q and optionally task_id. Levels hold different tasks, so the samples
    are independent: the drop's CI is the independent Fieller CI of `rel_diff(last, first)`
    negated, d is the pooled-SD Cohen's d of first over last, and the test is Welch's t.
    """
    data, dropped = task_means(df, ["level"], "q")
    means = {str(k): mean_ci(g["q"], Q_RANGE) for k, g in data.groupby("level", sort=True)}
    x = data.loc[data["level"] == first, "q"].to_numpy()
    y = data.loc[data["level"] == last, "q"].to_numpy()
    change = rel_diff(y, x, paired=False, value_range=Q_RANGE)
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
