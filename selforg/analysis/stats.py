"""The statistics of docs/study.md section 7, in one import.

Every function returns a `Stat` (or a small dataclass, dict or list of them) and never raises on
degenerate data: too few samples, zero variance or NaN give `not_computable(reason)`. The
functions live in small modules by topic and are re-exported here:
- stats_basic: mean_ci, rel_diff, ratio_ci, cohens_d, welch_t, holm, min_detectable_effect;
- stats_compare: compare_protocols (paired or Welch design, Holm over the pairs);
- stats_scaling: kruskal_by_n, log2_slope, cost_exponent, scaling;
- stats_factors: capability (two-way ANOVA), level_drop.
"""

from __future__ import annotations

from selforg.analysis.stats_basic import (
    cohens_d,
    holm,
    mean_ci,
    min_detectable_effect,
    ratio_ci,
    rel_diff,
    require_finite,
    task_means,
    welch_t,
)
from selforg.analysis.stats_compare import PairComparison, ProtocolComparison, compare_protocols
from selforg.analysis.stats_factors import CapabilityResult, LevelDropResult, capability, level_drop
from selforg.analysis.stats_scaling import cost_exponent, kruskal_by_n, log2_slope, ols, scaling

__all__ = [
    "CapabilityResult",
    "LevelDropResult",
    "PairComparison",
    "ProtocolComparison",
    "capability",
    "cohens_d",
    "compare_protocols",
    "cost_exponent",
    "holm",
    "kruskal_by_n",
    "level_drop",
    "log2_slope",
    "mean_ci",
    "min_detectable_effect",
    "ols",
    "ratio_ci",
    "rel_diff",
    "require_finite",
    "scaling",
    "task_means",
    "welch_t",
]
