"""Design adequacy: the power calculations against statsmodels, and their guards."""

from __future__ import annotations

import math

import pytest

from selforg.analysis.power import (
    RANK_EFFICIENCY,
    Layout,
    detectable,
    family_alpha,
    power_at,
    tasks_needed,
)
from selforg.analysis.reference import PowerInput

PAIRED = PowerInput("paired", sd=0.2, baseline=0.7)
TWO_SAMPLE = PowerInput("two-sample", sd=0.1, baseline=0.9)
SLOPE = PowerInput("slope", sd=0.05, baseline=0.8)


def test_alpha_is_holms_first_step_over_the_family() -> None:
    assert family_alpha() == pytest.approx(0.05 / 6)


@pytest.mark.parametrize("tasks", [6, 15, 40])
def test_paired_power_is_statsmodels(tasks: int) -> None:
    power = pytest.importorskip("statsmodels.stats.power")
    ref = power.TTestPower().power(effect_size=0.1 / 0.2, nobs=tasks, alpha=family_alpha())
    assert power_at(0.1, PAIRED, tasks) == pytest.approx(ref, rel=1e-6)


def test_two_sample_power_is_statsmodels() -> None:
    power = pytest.importorskip("statsmodels.stats.power")
    ref = power.TTestIndPower().power(effect_size=0.05 / 0.1, nobs1=12, ratio=1.0,
                                      alpha=family_alpha())
    assert power_at(0.05, TWO_SAMPLE, 12) == pytest.approx(ref, rel=1e-6)


def test_a_slope_has_the_se_of_a_task_blocked_fit() -> None:
    # 10 tasks at N = 4, 8, 16: Sxx = 2 per task, SE = 0.05 / sqrt(20), df = 10 x 2 - 1
    power = pytest.importorskip("statsmodels.stats.power")
    se = 0.05 / math.sqrt(20)
    ref = power.TTestPower().power(effect_size=0.02 / se / math.sqrt(20), nobs=20,
                                   alpha=family_alpha(), df=19)
    assert power_at(0.02, SLOPE, 10, ns=(4, 8, 16)) == pytest.approx(ref, rel=1e-6)


@pytest.mark.parametrize(("inputs", "layout"), [(PAIRED, Layout(20)), (TWO_SAMPLE, Layout(8)),
                                                (SLOPE, Layout(12, (4, 16, 64)))])
def test_the_detectable_effect_has_80_percent_power(inputs: PowerInput, layout: Layout) -> None:
    found = detectable(inputs, layout)
    assert found.value is not None
    assert power_at(found.value, inputs, layout.tasks, layout.ns) == pytest.approx(0.8, abs=1e-6)
    assert found.extra["relative"] == pytest.approx(found.value / inputs.baseline)


@pytest.mark.parametrize(("inputs", "ns"), [(PAIRED, ()), (TWO_SAMPLE, ()),
                                            (SLOPE, (4, 8, 16, 32))])
def test_tasks_needed_is_the_fewest_with_80_percent_power(inputs: PowerInput,
                                                          ns: tuple[int, ...]) -> None:
    needed = tasks_needed(inputs, 0.05, ns)
    assert needed.value is not None
    n = int(needed.value)
    assert power_at(0.05, inputs, n, ns) >= 0.8 > power_at(0.05, inputs, n - 1, ns)


def test_a_rank_test_needs_more_tasks_and_six_at_least() -> None:
    rank = PowerInput("paired", sd=0.2, baseline=0.7, rank_test=True)
    t_test, signed_rank = tasks_needed(PAIRED, 0.1), tasks_needed(rank, 0.1)
    assert signed_rank.value is not None and t_test.value is not None
    assert signed_rank.value == pytest.approx(math.ceil(t_test.value / RANK_EFFICIENCY), abs=1)
    small = detectable(rank, Layout(5))
    assert not small.computable and "cannot reach alpha at 5 tasks" in small.note
    assert tasks_needed(rank, 5.0).value == 6  # a huge effect still needs 6 tasks


def test_guards() -> None:
    assert "fewer than 2 values of N" in detectable(SLOPE, Layout(10, (4,))).note
    assert "no residual degrees of freedom" in detectable(PAIRED, Layout(1)).note
    assert not tasks_needed(PowerInput("paired", 0.0, 0.5), 0.1).computable


@pytest.mark.parametrize("tasks", [2, 3])
def test_few_degrees_of_freedom_still_find_the_detectable_effect(tasks: int) -> None:
    # df = 1 at alpha = 0.05 / 6: the critical t is ~76 and 80% power needs nc ~ 100
    found = detectable(PAIRED, Layout(tasks))
    assert found.value is not None
    assert power_at(found.value, PAIRED, tasks) == pytest.approx(0.8, abs=1e-6)
