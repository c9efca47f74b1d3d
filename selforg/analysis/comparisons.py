"""Everything about the protocols of one setting: summaries, the comparison and its power.

`compare_protocols` decides the design (paired over tasks when every protocol ran every task,
otherwise Welch's ANOVA and Welch's t per pair); its p-values are raw, adjusted study-wide in
`selforg.analysis.multiplicity`. One failed run would otherwise switch a whole setting to the
weaker unpaired design, so when at least half of the tasks have a judged run of every
protocol the comparison is restricted to those tasks (and says how many it left out). The
power of each pair is the smallest Cohen's d its sample sizes could detect (alpha 0.05, power
0.8), not computable when the pair's test cannot reach alpha at all at that n.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from selforg.analysis.descriptives import ProtocolSummary, StudyRoles, summarise
from selforg.analysis.result import Stat, not_computable
from selforg.analysis.settings import Design, Setting, judged, rows_of
from selforg.analysis.stats import (
    PairComparison,
    ProtocolComparison,
    compare_protocols,
    min_detectable_effect,
)
from selforg.analysis.stats_basic import ALPHA
from selforg.analysis.stats_compare import COMPLETE, WILCOXON_MIN_N

# The comparison is restricted to the tasks every protocol has when they are at least this
# share of the tasks of the protocol with the most.
PAIRED_SHARE = 0.5


@dataclass(frozen=True)
class SettingResult:
    """setting; summaries per protocol; the comparison; power[(a, b)] = minimum detectable d.

    note: tasks left out to keep the comparison paired, if any.
    """

    setting: Setting
    summaries: dict[str, ProtocolSummary]
    comparison: ProtocolComparison
    power: dict[tuple[str, str], Stat]
    note: str = ""

    def pair(self, a: str, b: str) -> tuple[PairComparison, bool] | None:
        """The comparison of a and b, and whether it is stored as (b, a) (then reversed=True)."""
        for pair in self.comparison.pairs:
            if (pair.a, pair.b) == (a, b):
                return pair, False
            if (pair.a, pair.b) == (b, a):
                return pair, True
        return None


@lru_cache(maxsize=4096)
def _detectable(n1: int, n2: int, paired: bool) -> Stat:
    """min_detectable_effect, memoised: the same sample sizes recur across settings."""
    return min_detectable_effect(n1, n2, paired)


def detectable(comparison: ProtocolComparison, pair: PairComparison) -> Stat:
    """Minimum detectable Cohen's d of one pair, paired when the comparison is.

    No effect is detectable when the paired design's Wilcoxon test cannot reach alpha at this
    number of tasks (fewer than WILCOXON_MIN_N): then not computable, with the reason.
    """
    n1, n2 = comparison.means[pair.a].n, comparison.means[pair.b].n
    paired = comparison.design == COMPLETE
    if paired and n1 < WILCOXON_MIN_N:
        return not_computable(f"the Wilcoxon test cannot reach alpha = {ALPHA} at n = {n1} tasks "
                              f"(needs {WILCOXON_MIN_N})", n=n1, test="power analysis")
    return _detectable(n1, n2, paired)


def common_tasks(scores: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The scores of the tasks every protocol has, if that keeps PAIRED_SHARE of the tasks.

    Returns the scores unchanged (and no note) when all tasks are common already, when fewer
    than 2 protocols have scores, or when restricting would leave too few tasks.
    """
    k = scores["protocol"].nunique()
    per_task = scores.groupby("task_id")["protocol"].nunique()
    common = per_task.index[per_task == k]
    most = int(scores.groupby("protocol")["task_id"].nunique().max()) if k else 0
    if k < 2 or len(common) == len(per_task) or len(common) < max(2, PAIRED_SHARE * most):
        return scores, ""
    dropped = len(per_task) - len(common)
    return (scores[scores["task_id"].isin(set(common))],
            f"{dropped} task(s) without a judged run of every protocol left out, so the "
            "comparison stays paired")


def analyse_setting(frame: pd.DataFrame, setting: Setting, design: Design,
                    roles: StudyRoles) -> SettingResult:
    """Summaries, comparison and power of the protocols in one setting.

    roles: `study_roles` of the study, computed once so no setting re-reads the turns table.
    """
    rows = rows_of(frame, setting, design)
    protocols = design.order(set(rows["protocol"].astype(str)))
    summaries = summarise(rows, roles, protocols, stability=setting.level is None)
    scores, note = common_tasks(judged(rows)[["task_id", "protocol", "q"]])
    comparison = compare_protocols(scores, order=protocols)
    power = {(p.a, p.b): detectable(comparison, p) for p in comparison.pairs}
    return SettingResult(setting, summaries, comparison, power, note)
