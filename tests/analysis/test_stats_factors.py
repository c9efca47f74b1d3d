"""Capability ANOVA and the level drop against pingouin / scipy run here, plus guards."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats as st

from selforg.analysis import stats


def capability_data(seed: int = 9, n_tasks: int = 15) -> pd.DataFrame:
    """Free roles help the strong model (+15%) and hurt the weak one (-15%): an interaction."""
    rng = np.random.default_rng(seed)
    effect = {("strong", "free"): 0.80, ("strong", "fixed_roles"): 0.70,
              ("weak", "free"): 0.45, ("weak", "fixed_roles"): 0.53}
    rows = [
        {"model": m, "structure": s, "task_id": f"t{i}", "q": mu + rng.normal(0, 0.05)}
        for (m, s), mu in effect.items()
        for i in range(n_tasks)
    ]
    return pd.DataFrame(rows)


def test_capability_interaction_matches_pingouin() -> None:
    df = capability_data()
    ref = pg.anova(data=df, dv="q", between=["structure", "model"], ss_type=2).set_index("Source")
    result = stats.capability(df)
    assert result.interaction.value == pytest.approx(ref.loc["structure * model", "F"])
    assert result.interaction.p == pytest.approx(ref.loc["structure * model", "p_unc"])
    assert result.structure.p == pytest.approx(ref.loc["structure", "p_unc"])
    assert result.model.value == pytest.approx(ref.loc["model", "F"])
    assert result.interaction.p < 0.001
    assert result.interaction.extra["df2"] == 56


def test_capability_per_model_direction_and_pairing() -> None:
    df = capability_data()
    result = stats.capability(df)
    strong, weak = result.per_model["strong"], result.per_model["weak"]
    assert strong.ci_low > 0 and weak.ci_high < 0
    free = df[(df["model"] == "weak") & (df["structure"] == "free")]["q"]
    fixed = df[(df["model"] == "weak") & (df["structure"] == "fixed_roles")]["q"]
    assert weak.value == pytest.approx(free.mean() / fixed.mean() - 1)
    assert "pairs resampled" in weak.test


def test_capability_ignores_other_structures() -> None:
    df = pd.concat([capability_data(), capability_data().assign(structure="other", q=0.0)])
    assert stats.capability(df).per_model["strong"].value == pytest.approx(
        stats.capability(capability_data()).per_model["strong"].value
    )


def test_capability_guards() -> None:
    df = capability_data()
    one_model = stats.capability(df[df["model"] == "strong"])
    assert "fewer than 2 levels of model" in one_model.interaction.note
    assert one_model.per_model["strong"].computable
    missing_cell = df[~((df["model"] == "weak") & (df["structure"] == "free"))]
    assert "no data" in stats.capability(missing_cell).interaction.note
    flat = stats.capability(df.assign(q=0.5))
    assert "zero variance" in flat.interaction.note
    single = stats.capability(df.groupby(["model", "structure"]).head(1))
    assert "no residual degrees of freedom" in single.interaction.note


def test_level_drop_by_hand_and_against_scipy() -> None:
    df = pd.DataFrame(
        {
            "level": ["L1"] * 4 + ["L2"] * 2 + ["L4"] * 4,
            "q": [0.8, 0.9, 1.0, 0.9, 0.7, 0.8, 0.5, 0.6, 0.4, 0.5],
        }
    )
    result = stats.level_drop(df, n_boot=1000, seed=1)
    assert result.means["L1"].value == pytest.approx(0.9)
    assert result.means["L4"].value == pytest.approx(0.5)
    assert result.drop.value == pytest.approx(1 - 0.5 / 0.9)
    assert result.drop.ci_low <= result.drop.value <= result.drop.ci_high
    l1, l4 = df.loc[df["level"] == "L1", "q"], df.loc[df["level"] == "L4", "q"]
    assert result.d.value == pytest.approx(pg.compute_effsize(l1, l4, eftype="cohen"))
    ref = st.ttest_ind(l1, l4, equal_var=False)
    assert result.test.p == pytest.approx(ref.pvalue)


def test_non_finite_q_is_dropped_with_a_note() -> None:
    df = capability_data()
    df.loc[:2, "q"] = np.nan
    assert stats.capability(df).note == "3 rows with non-finite q dropped"


def test_level_drop_guards() -> None:
    df = pd.DataFrame({"level": ["L1", "L1", "L4"], "q": [0.8, 0.9, 0.5]})
    result = stats.level_drop(df)
    assert not result.drop.computable and "fewer than 2" in result.drop.note
    assert not result.d.computable
    assert not result.test.computable
    assert "at least 2" in result.means["L4"].note
