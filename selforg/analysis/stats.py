"""The statistics of docs/study.md section 7, in one import.

Every function returns a `Stat` (or a small dataclass, dict or list of them) and never raises on
degenerate data: too few samples, zero variance or NaN give `not_computable(reason)`. The
functions live in small modules by topic and are re-exported here:
- stats_basic: mean_ci, proportion_ci, rel_diff, ratio_ci (Fieller), cohens_d (exact CI),
  welch_t, holm, benjamini_hochberg, min_detectable_effect, cannot_reach;
- stats_compare: compare_protocols (paired or Welch design, raw p);
- stats_scaling: log2_slope and cost_exponent (task fixed effects), friedman_by_n,
  kruskal_by_n (the reference study's test), scaling;
- stats_factors: capability (task-blocked structure x model), level_drop.
"""

from __future__ import annotations

from selforg.analysis.stats_basic import (
    ALPHA,
    Q_RANGE,
    SHARE_RANGE,
    benjamini_hochberg,
    cannot_reach,
    cohens_d,
    holm,
    mean_ci,
    min_detectable_effect,
    paired_t,
    proportion_ci,
    ratio_ci,
    rel_diff,
    require_finite,
    task_means,
    welch_t,
)
from selforg.analysis.stats_compare import PairComparison, ProtocolComparison, compare_protocols
from selforg.analysis.stats_factors import CapabilityResult, LevelDropResult, capability, level_drop
from selforg.analysis.stats_scaling import (
    cost_exponent,
    friedman_by_n,
    kruskal_by_n,
    log2_slope,
    ols,
    scaling,
)

__all__ = [
    "ALPHA",
    "Q_RANGE",
    "SHARE_RANGE",
    "CapabilityResult",
    "LevelDropResult",
    "PairComparison",
    "ProtocolComparison",
    "benjamini_hochberg",
    "cannot_reach",
    "capability",
    "cohens_d",
    "compare_protocols",
    "cost_exponent",
    "friedman_by_n",
    "holm",
    "kruskal_by_n",
    "level_drop",
    "log2_slope",
    "mean_ci",
    "min_detectable_effect",
    "ols",
    "paired_t",
    "proportion_ci",
    "ratio_ci",
    "rel_diff",
    "require_finite",
    "scaling",
    "task_means",
    "welch_t",
]
