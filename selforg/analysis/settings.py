"""Settings: the units within which protocols are compared (docs/study.md section 7).

A setting is (model, N, level). Levels are pooled with the task as the blocking factor (every
comparison pairs or averages per task), so the coarser scopes are (model, N) and the whole study.
Controls with a fixed team size (`single`, N = 1) ignore the study's N: their runs join the
comparison at every N of their model, since they are the same runs whatever N the others use.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd


def ordered(preferred: Sequence[str], present: Collection[str]) -> list[str]:
    """The names present, those of `preferred` first in its order, the rest sorted."""
    known = [name for name in preferred if name in present]
    return known + sorted(set(present) - set(known))


@dataclass(frozen=True)
class Design:
    """What the analysis must know about the study beyond the tables.

    protocols / models: study order (pairs are formed in this order; rel diff is a over b).
    fixed_n: protocols whose team size is fixed (single: 1), which join every N's comparison.
    controls: protocols that are controls, not organisations (single, fixed_roles): left out of
    best-vs-worst and of the scaling pool.
    open_weights: model alias -> whether its weights are open.
    list_price: model alias -> (input, output) USD per million tokens, where known.
    shocks: study.shocks, name -> what it does (empty: resilience not measured).
    priority_shifts: the names of the priority-shift shocks among them.
    sequential_batch_size: K of batched_sequential (study.sequential_batch_size).
    model_strings: model alias -> litellm model string (to recognise the reference study's
    models). judges: the judge models' aliases. n_boot / seed: the judge statistics'
    bootstrap (the study's own intervals need none).
    """

    protocols: tuple[str, ...]
    models: tuple[str, ...]
    fixed_n: Mapping[str, int] = field(default_factory=dict)
    controls: frozenset[str] = frozenset()
    open_weights: Mapping[str, bool] = field(default_factory=dict)
    list_price: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    shocks: Mapping[str, str] = field(default_factory=dict)
    priority_shifts: frozenset[str] = frozenset()
    sequential_batch_size: int = 4
    model_strings: Mapping[str, str] = field(default_factory=dict)
    judges: tuple[str, ...] = ()
    n_boot: int = 2000
    seed: int = 0

    def order(self, present: Collection[str]) -> list[str]:
        """The protocols present, in study order."""
        return ordered(self.protocols, present)

    def organisations(self, present: Collection[str]) -> list[str]:
        """The non-control protocols present, in study order."""
        return [p for p in self.order(present) if p not in self.controls]


@dataclass(frozen=True)
class Setting:
    """A scope of comparison; None in a field means pooled over it."""

    model: str | None = None
    n_agents: int | None = None
    level: str | None = None

    @property
    def label(self) -> str:
        """How the report names the setting."""
        if self.model is None:
            return "all settings pooled (task as block)"
        text = f"{self.model}, N = {self.n_agents}"
        return text + (f", {self.level}" if self.level else ", levels pooled (task as block)")

    @property
    def suffix(self) -> str:
        """The metrics.json key suffix: '' pooled, '@model/n4' or '@model/n4/L3'."""
        if self.model is None:
            return ""
        return f"@{self.model}/n{self.n_agents}" + (f"/{self.level}" if self.level else "")


def judged(frame: pd.DataFrame) -> pd.DataFrame:
    """Runs that finished and have a panel Q: the rows every quality statistic uses."""
    return frame[(frame["status"] == "ok") & frame["q"].notna()]


def rows_of(frame: pd.DataFrame, setting: Setting, design: Design) -> pd.DataFrame:
    """The runs of a setting; fixed-N controls of the setting's model join every N."""
    rows = frame
    if setting.model is not None:
        rows = rows[rows["model"] == setting.model]
    if setting.n_agents is not None:
        control = rows["protocol"].isin(list(design.fixed_n))
        rows = rows[(rows["n_agents"] == setting.n_agents) | control]
    if setting.level is not None:
        rows = rows[rows["level"] == setting.level]
    return rows


def study_ns(frame: pd.DataFrame, model: str, design: Design) -> list[int]:
    """The N values a model's settings are made of: those of its non-fixed protocols.

    When only fixed-N controls ran, their own N is the one setting.
    """
    rows = frame[frame["model"] == model]
    free = rows[~rows["protocol"].isin(list(design.fixed_n))]
    source = free if len(free) else rows
    return sorted(int(n) for n in source["n_agents"].unique())


def settings(frame: pd.DataFrame, design: Design) -> tuple[list[Setting], list[Setting]]:
    """(model, N) settings and (model, N, level) settings that have runs, in study order."""
    models = ordered(design.models, set(frame["model"].astype(str)))
    cells: list[Setting] = []
    levels: list[Setting] = []
    for model in models:
        for n in study_ns(frame, model, design):
            cells.append(Setting(model, n))
            present = rows_of(frame, Setting(model, n), design)["level"]
            levels.extend(Setting(model, n, str(lv)) for lv in sorted(present.unique()))
    return cells, levels
