"""Comparing with the reference study like with like: its settings, and this study's match.

Each headline claim of the reference study (arXiv 2603.28990) is a `ReferenceClaim`
(`reference_claims.py` lists them, `reference_kinds.py` measures each kind). A claim names the
paper's setting (`PaperSetting`: model, N, levels, judge, tasks); `match` finds this study's
same setting in what it ran or plans (`Coverage`) and lists what still differs (another model,
a subset of the N values, the judge panel ...). When the setting was not run the claim says
"setting not run (why)" rather than borrowing another setting's figure. The claims whose test
is part of the confirmatory family (named before any data, Holm-adjusted, docs/metrics.md)
carry that test and the inputs of their power calculation (`PowerInput`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from selforg.analysis.comparisons import SettingResult
from selforg.analysis.effects import CapabilityFinding
from selforg.analysis.result import Stat
from selforg.analysis.settings import Design

SETTING_NOT_RUN = "setting not run"
NOT_MEASURED = "not measured in this study"

# How the reference study names its models, and a fragment of the litellm model string that
# is the same model (lower case). A study model whose string contains it is "the paper's".
PAPER_MODELS: dict[str, str] = {
    "Claude Sonnet 4.6": "claude-sonnet-4-6",
    "GPT-4.1-mini": "gpt-4.1-mini",
    "DeepSeek v3.2": "deepseek",
    "GLM-5": "glm-5",
}


@dataclass(frozen=True)
class PaperSetting:
    """Where the reference study measured a claim.

    text: the setting as the report prints it. models: the paper's model names (() = not
    stated). n_agents / levels: the N values and task levels (() = not stated: any).
    judge and tasks: as the paper reports them, for the list of differences.
    """

    text: str
    models: tuple[str, ...] = ()
    n_agents: tuple[int, ...] = ()
    levels: tuple[str, ...] = ()
    judge: str = ""
    tasks: str = ""


@dataclass(frozen=True)
class Coverage:
    """What a study ran (its judged runs) or plans (its config): what a setting is matched on.

    ns: the N values each protocol ran. models: alias -> litellm model string. tasks: the
    number of tasks per level. judges: the judge models' aliases.
    """

    protocols: frozenset[str]
    ns: Mapping[str, frozenset[int]]
    levels: tuple[str, ...]
    models: Mapping[str, str]
    open_weights: Mapping[str, bool]
    tasks: Mapping[str, int]
    judges: tuple[str, ...] = ()

    @classmethod
    def of_runs(cls, judged: pd.DataFrame, models: Mapping[str, str],
                open_weights: Mapping[str, bool], judges: Sequence[str]) -> Coverage:
        """The coverage of a run frame's judged runs."""
        ns = {str(p): frozenset(int(n) for n in g.unique())
              for p, g in judged.groupby("protocol")["n_agents"]}
        tasks = judged.groupby("level")["task_id"].nunique()
        present = set(judged["model"].astype(str))
        return cls(frozenset(ns), ns, tuple(sorted(tasks.index.astype(str))),
                   {m: s for m, s in models.items() if m in present},
                   {m: o for m, o in open_weights.items() if m in present},
                   {str(k): int(v) for k, v in tasks.items()}, tuple(judges))


@dataclass(frozen=True)
class Match:
    """This study's setting matching a paper setting: the subset to use and what differs."""

    models: tuple[str, ...]
    ns: tuple[int, ...]
    levels: tuple[str, ...]
    differs: tuple[str, ...]

    @property
    def label(self) -> str:
        return (f"{', '.join(self.models)}; N = {', '.join(map(str, self.ns))}; "
                f"{', '.join(self.levels)}")

    def rows(self, frame: pd.DataFrame, protocols: Collection[str]) -> pd.DataFrame:
        """The runs of `frame` in this setting, for the given protocols."""
        return frame[frame["model"].isin(self.models) & frame["n_agents"].isin(self.ns)
                     & frame["level"].isin(self.levels) & frame["protocol"].isin(protocols)]

    def tasks(self, coverage: Coverage) -> int:
        """Tasks of the matched levels: the n a task-level comparison in it can have."""
        return sum(coverage.tasks.get(level, 0) for level in self.levels)


def paper_models(coverage: Coverage, names: Sequence[str]) -> list[str]:
    """The study models that are the paper's models `names`, by litellm model string."""
    fragments = [PAPER_MODELS[n] for n in names if n in PAPER_MODELS]
    return [alias for alias, model in coverage.models.items()
            if any(f in model.lower() for f in fragments)]


def _listing(values: Collection[int] | Collection[str]) -> str:
    return ", ".join(map(str, sorted(values))) or "none"


def match(setting: PaperSetting, protocols: Sequence[str], coverage: Coverage,
          min_ns: int = 1) -> Match | str:
    """This study's setting for a paper setting, or why it was not run.

    protocols: those the claim compares; each must have run. N: the paper's N values that
    every one of them ran (at least `min_ns` of them; all of them when the paper gives one).
    Levels: the paper's levels this study has (at least one). Models: the paper's model when
    the claim is about one model and this study has it, else every model (task as block),
    listed as a difference. The judge and the task count are always listed.
    """
    missing = [p for p in protocols if p not in coverage.protocols]
    if missing:
        return f"{SETTING_NOT_RUN} (protocol {' and '.join(missing)} not in this study)"
    ran = frozenset.intersection(*(coverage.ns[p] for p in protocols)) if protocols else \
        frozenset()
    ns = tuple(sorted(ran & set(setting.n_agents))) if setting.n_agents else tuple(sorted(ran))
    if len(ns) < max(1, min_ns):
        need = "/".join(map(str, setting.n_agents))
        return (f"{SETTING_NOT_RUN} (needs N = {need} for {', '.join(protocols)}; this study "
                f"has N = {_listing(ran)})")
    levels = (tuple(lv for lv in coverage.levels if lv in setting.levels) if setting.levels
              else coverage.levels)
    if not levels:
        return (f"{SETTING_NOT_RUN} (needs {' + '.join(setting.levels)}; this study has "
                f"{_listing(coverage.levels)})")
    differs = []
    if setting.n_agents and len(ns) < len(setting.n_agents):
        differs.append(f"N = {', '.join(map(str, ns))} only (paper: "
                       f"{', '.join(map(str, setting.n_agents))})")
    if setting.levels and len(levels) < len(setting.levels):
        differs.append(f"{' + '.join(levels)} only (paper: {' + '.join(setting.levels)})")
    own = paper_models(coverage, setting.models) if len(setting.models) == 1 else []
    models = tuple(own) or tuple(coverage.models)
    if not own and setting.models:
        differs.append(f"models {', '.join(models)} (paper: {', '.join(setting.models)})")
    if setting.judge:
        panel = ", ".join(coverage.judges) or "unknown"
        differs.append(f"judges {panel} (paper: {setting.judge})")
    return Match(models, ns, levels, tuple(differs))


@dataclass(frozen=True)
class PowerInput:
    """What a power calculation of one confirmatory comparison needs.

    kind: "paired" (one value per task: a difference or a contrast), "two-sample" (two groups
    of tasks), or "slope" (a task-blocked slope of Q on log2 N). sd: the SD of the paired
    values, the pooled SD of the groups, or the residual SD within tasks. baseline: the mean Q
    an effect is relative to. rank_test: the test is a signed-rank test (its power is taken as
    the t-test's at 3/pi of the tasks, its efficiency under normality). The number of tasks
    and the N values come from the setting, not from here.
    """

    kind: str
    sd: float
    baseline: float
    rank_test: bool = False


@dataclass(frozen=True)
class Reading:
    """One figure of a claim as this study measured it: a Stat, or a text when there is none.

    brief: print the estimate, CI and n only (a descriptive figure whose method is stated in
    its own section).
    """

    label: str
    stat: Stat | None = None
    text: str = ""
    percent: bool = False
    digits: int = 3
    brief: bool = False


@dataclass(frozen=True)
class ClaimResult:
    """A claim measured in this study.

    missing: "" when measured, else "setting not run (why)" or "not measured in this study
    (why)". here: this study's setting. differs: what differs from the paper's setting.
    readings: the figures. test: the claim's test (confirmatory claims), None when not
    measured. test_key: the exploratory test (multiplicity key) it is the same test as, if
    any, so it is adjusted once. power: the inputs of its power calculation from this run.
    """

    claim: ReferenceClaim
    missing: str = ""
    here: str = "-"
    differs: tuple[str, ...] = ()
    readings: tuple[Reading, ...] = ()
    test: Stat | None = None
    test_key: str | None = None
    power: PowerInput | None = None


@dataclass(frozen=True)
class StatedEffect:
    """The effect a confirmatory comparison should detect, and the reference's spread for it.

    value: in Q units (per doubling of N for a slope); text: how the report states it.
    spread: the power inputs implied by the reference study's reported figures, used when no
    run of this study exists; source says how they were derived.
    """

    value: float
    text: str
    spread: PowerInput
    source: str


@dataclass(frozen=True)
class ClaimContext:
    """What a claim is measured from: the run frames, the design, and findings already made.

    settings: the comparison of each setting by its metrics.json suffix ("" pooled).
    capability: the capability findings by N (None: N pooled). The descriptive tables and
    the reliability statistics are those of `Findings`; they are empty when only the
    confirmatory claims are measured (the planner).
    """

    frame: pd.DataFrame
    shocked: pd.DataFrame
    design: Design
    coverage: Coverage
    settings: Mapping[str, SettingResult] = field(default_factory=dict)
    capability: Mapping[int | None, CapabilityFinding] = field(default_factory=dict)
    roles_by_n: pd.DataFrame = field(default_factory=pd.DataFrame)
    by_n: pd.DataFrame = field(default_factory=pd.DataFrame)
    by_level: pd.DataFrame = field(default_factory=pd.DataFrame)
    reliability: Mapping[str, Stat] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ReferenceClaim:
    """One headline claim: the paper's figure and setting; `measure` is the kind's own.

    key: a stable identifier (metrics.json `confirmatory_p.<key>`). confirmatory: its test is
    in the confirmatory family. effect: the effect the power planner asks about (confirmatory
    claims only).
    """

    key: str
    claim: str
    paper: str
    setting: PaperSetting
    confirmatory: bool = False
    effect: StatedEffect | None = None

    def locate(self, design: Design, coverage: Coverage) -> Match | str:
        """This study's setting for the claim, or why there is none (confirmatory kinds)."""
        return f"{NOT_MEASURED} (the claim has no setting to match)"

    def measure(self, ctx: ClaimContext) -> ClaimResult:
        raise NotImplementedError

    def missing(self, reason: str) -> ClaimResult:
        return ClaimResult(self, missing=reason)
