"""The analysis `Design` of a study config: protocol roles, open weights, list prices, shocks;
and the `Coverage` a config plans (for the power planner).

Kept apart from the pure analysis so that it alone touches the protocol registry (which
protocols are fixed-size controls, which N each runs at) and the price table (litellm's,
imported only for hosted models without a `price` in params).
"""

from __future__ import annotations

from selforg.analysis.reference import Coverage
from selforg.analysis.settings import Design
from selforg.config import StudyConfig


def design_from_config(cfg: StudyConfig, n_boot: int = 2000) -> Design:
    """Design of `cfg`: study order, fixed-N and control protocols, open weights, prices.

    The bootstrap seed is the study seed, so the report reproduces exactly.
    """
    from selforg.llm.pricing import prices_for
    from selforg.protocols import registry

    protocols = {name: registry.get(name) for name in cfg.study.protocols}
    prices: dict[str, tuple[float, float]] = {}
    for spec in cfg.agent_models:
        try:
            found = prices_for(spec)
        except LookupError:
            continue
        prices[spec.name] = (found.input * 1e6, found.output * 1e6)
    return Design(
        protocols=tuple(cfg.study.protocols),
        models=tuple(cfg.study.models),
        fixed_n={n: p.fixed_n for n, p in protocols.items() if p.fixed_n is not None},
        controls=frozenset(n for n, p in protocols.items() if p.source == "control"),
        open_weights={m.name: m.open_weights for m in cfg.agent_models},
        list_price=prices,
        shocks={s.name: s.describe() for s in cfg.study.shocks},
        priority_shifts=frozenset(s.name for s in cfg.study.shocks if s.priority_shift),
        sequential_batch_size=cfg.study.sequential_batch_size,
        model_strings={m.name: m.model for m in cfg.agent_models},
        judges=tuple(cfg.judges.models),
        n_boot=n_boot,
        seed=cfg.seed,
    )


def planned_coverage(cfg: StudyConfig) -> Coverage:
    """What `cfg` will run: protocols at their N, levels and tasks per level, models, judges."""
    from selforg.protocols import registry

    ns = {name: frozenset(registry.get(name).agent_counts(cfg.study.n_agents))
          for name in cfg.study.protocols}
    return Coverage(
        protocols=frozenset(ns), ns=ns, levels=tuple(cfg.tasks.levels),
        models={m.name: m.model for m in cfg.agent_models},
        open_weights={m.name: m.open_weights for m in cfg.agent_models},
        tasks={level: cfg.tasks.per_level for level in cfg.tasks.levels},
        judges=tuple(cfg.judges.models))
