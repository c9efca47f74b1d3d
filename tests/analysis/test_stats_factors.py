"""Capability (task-blocked structure x model) and the level drop against pingouin / scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats as st

from selforg.analysis import stats
from selforg.analysis.stats_factors import RM_TEST, WELCH_TEST


def capability_data(seed: int = 9, n_tasks: int = 15, task_sd: float = 0.0,
                    models: tuple[str, ...] = ("strong", "weak")) -> pd.DataFrame:
    """Free roles help the strong model (+0.10) and hurt the weak one (-0.08): an interaction.

    Every model runs both structures on the same tasks; task_sd is the task-to-task spread
    shared by all four cells of a task.
    """
    rng = np.random.default_rng(seed)
    base = {"strong": (0.80, 0.70), "weak": (0.45, 0.53), "middle": (0.60, 0.60)}
    task = rng.normal(0, task_sd, size=n_tasks)
    rows = [
        {"model": m, "structure": s, "task_id": f"t{i}",
         "q": mu + task[i] + rng.normal(0, 0.05)}
        for m in models for s, mu in zip(("free", "fixed_roles"), base[m], strict=True)
        for i in range(n_tasks)
    ]
    return pd.DataFrame(rows)


def differences(df: pd.DataFrame) -> pd.DataFrame:
    wide = df.pivot_table(index=["model", "task_id"], columns="structure", values="q")
    return (wide["free"] - wide["fixed_roles"]).rename("diff").reset_index()


def test_two_models_interaction_is_the_paired_t_of_the_difference_of_differences() -> None:
    df = capability_data()
    result = stats.capability(df)
    diff = differences(df).pivot(index="task_id", columns="model", values="diff")
    ref = st.ttest_rel(diff["strong"], diff["weak"])
    assert result.interaction.value == pytest.approx(ref.statistic**2)
    assert result.interaction.p == pytest.approx(ref.pvalue)
    assert result.interaction.extra["df2"] == 14 and result.interaction.test == RM_TEST
    # the same test as the interaction of a two-way repeated-measures ANOVA
    rm = pg.rm_anova(data=df, dv="q", within=["structure", "model"], subject="task_id")
    row = rm.set_index("Source").loc["structure * model"]
    assert result.interaction.p == pytest.approx(row["p_unc"])
    assert result.interaction.p < 0.001


def test_three_models_is_a_repeated_measures_anova_of_the_differences() -> None:
    df = capability_data(models=("strong", "weak", "middle"))
    result = stats.capability(df)
    ref = pg.rm_anova(data=differences(df), dv="diff", within="model", subject="task_id",
                      correction=False).iloc[0]
    assert result.interaction.value == pytest.approx(ref["F"])
    assert result.interaction.p == pytest.approx(ref["p_unc"])
    assert (result.interaction.extra["df1"], result.interaction.extra["df2"]) == (2, 28)


def test_the_task_block_finds_a_reversal_the_unblocked_anova_misses() -> None:
    # a small reversal under a large task spread: only a test within tasks sees it
    df = capability_data(task_sd=0.2, n_tasks=20, seed=3)
    df.loc[df["structure"] == "free", "q"] += np.where(
        df.loc[df["structure"] == "free", "model"] == "strong", -0.06, 0.06)
    blocked = stats.capability(df).interaction
    unblocked = pg.anova(data=df, dv="q", between=["structure", "model"], ss_type=2)
    assert blocked.p < 0.01
    assert unblocked.set_index("Source").loc["structure * model", "p_unc"] > 0.05


def test_models_on_different_tasks_fall_back_to_welch_on_the_differences() -> None:
    df = capability_data()
    weak = df["model"] == "weak"
    df.loc[weak, "task_id"] = df.loc[weak, "task_id"] + "-w"
    result = stats.capability(df)
    ref = pg.welch_anova(data=differences(df), dv="diff", between="model").iloc[0]
    assert result.interaction.test == WELCH_TEST
    assert result.interaction.p == pytest.approx(ref["p_unc"])


def test_structure_is_the_paired_t_over_tasks() -> None:
    df = capability_data()
    per_task = differences(df).groupby("task_id")["diff"].mean()
    ref = st.ttest_1samp(per_task, 0.0)
    result = stats.capability(df)
    assert (result.structure.value, result.structure.p) == pytest.approx(
        (ref.statistic, ref.pvalue))


def test_capability_per_model_direction_and_pairing() -> None:
    df = capability_data()
    result = stats.capability(df)
    strong, weak = result.per_model["strong"], result.per_model["weak"]
    assert strong.ci_low > 0 and weak.ci_high < 0
    free = df[(df["model"] == "weak") & (df["structure"] == "free")]["q"]
    fixed = df[(df["model"] == "weak") & (df["structure"] == "fixed_roles")]["q"]
    assert weak.value == pytest.approx(free.mean() / fixed.mean() - 1)
    assert "paired" in weak.test


def test_capability_ignores_other_structures() -> None:
    df = pd.concat([capability_data(), capability_data().assign(structure="other", q=0.0)])
    assert stats.capability(df).per_model["strong"].value == pytest.approx(
        stats.capability(capability_data()).per_model["strong"].value
    )


def test_capability_guards() -> None:
    df = capability_data()
    one_model = stats.capability(df[df["model"] == "strong"])
    assert "fewer than 2 models ran both structures" in one_model.interaction.note
    assert one_model.per_model["strong"].computable
    missing_cell = df[~((df["model"] == "weak") & (df["structure"] == "free"))]
    assert "fewer than 2 models" in stats.capability(missing_cell).interaction.note
    flat = stats.capability(df.assign(q=0.5))
    assert "no task x model variation" in flat.interaction.note
    assert "zero variance" in flat.structure.note
    single = stats.capability(df[df["task_id"] == "t0"])
    assert not single.interaction.computable


def test_level_drop_by_hand_and_against_scipy() -> None:
    df = pd.DataFrame(
        {
            "level": ["L1"] * 4 + ["L2"] * 2 + ["L4"] * 4,
            "q": [0.8, 0.9, 1.0, 0.9, 0.7, 0.8, 0.5, 0.6, 0.4, 0.5],
        }
    )
    result = stats.level_drop(df)
    assert result.means["L1"].value == pytest.approx(0.9)
    assert result.means["L4"].value == pytest.approx(0.5)
    assert result.drop.value == pytest.approx(1 - 0.5 / 0.9)
    assert result.drop.ci_low <= result.drop.value <= result.drop.ci_high
    assert result.drop.ci_high <= 0.75  # Q in [0.25, 1]: Q cannot fall by more than 75%
    l1, l4 = df.loc[df["level"] == "L1", "q"], df.loc[df["level"] == "L4", "q"]
    assert result.d.value == pytest.approx(pg.compute_effsize(l1, l4, eftype="cohen"))
    ref = st.ttest_ind(l1, l4, equal_var=False)
    assert result.test.p == pytest.approx(ref.pvalue)


def test_non_finite_q_is_dropped_with_a_note() -> None:
    df = capability_data()
    df.loc[:2, "q"] = np.nan
    assert "3 rows with non-finite q dropped" in stats.capability(df).note


def test_level_drop_guards() -> None:
    df = pd.DataFrame({"level": ["L1", "L1", "L4"], "q": [0.8, 0.9, 0.5]})
    result = stats.level_drop(df)
    assert not result.drop.computable and "fewer than 2" in result.drop.note
    assert not result.d.computable
    assert not result.test.computable
    assert "at least 2" in result.means["L4"].note
