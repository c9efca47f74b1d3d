"""What a study will do before it does it: runs, model calls, tokens and USD per model.

Token figures are estimates from the config alone (task prompts about 250 tokens, the agent
preamble about 130, views filling half their budget on average, replies using 80% of their
max_tokens); the worst case takes every view at its full budget and every reply at max_tokens.
USD comes from the same prices the budget guard uses.

Shocked runs (study.shocks) are counted like their baseline twins: a removal shock at the full
`expected_calls` (an upper bound, removed agents make no calls), a substitution shock with the
substituted agents' share of the calls on the substitute model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from selforg.config import ModelSpec, StudyConfig
from selforg.llm.pricing import prices_for
from selforg.protocols import registry

TASK_TOKENS = 250
PREAMBLE_TOKENS = 130
JUDGE_PREAMBLE_TOKENS = 700
REPLY_SHARE = 0.8


@dataclass
class ModelPlan:
    calls: int = 0
    prompt_tokens: float = 0.0
    completion_tokens: float = 0.0
    usd: float = 0.0
    worst_usd: float = 0.0


@dataclass
class StudyPlan:
    n_tasks: int
    # (model, protocol, N, shock name or None for baseline runs) -> runs
    runs: dict[tuple[str, str, int, str | None], int] = field(default_factory=dict)
    per_model: dict[str, ModelPlan] = field(default_factory=dict)

    @property
    def total_runs(self) -> int:
        return sum(self.runs.values())

    @property
    def total_calls(self) -> int:
        return sum(m.calls for m in self.per_model.values())

    @property
    def usd(self) -> float:
        return sum(m.usd for m in self.per_model.values())

    @property
    def worst_usd(self) -> float:
        return sum(m.worst_usd for m in self.per_model.values())


def _add(plan: StudyPlan, spec: ModelSpec, calls: int, prompt: float, worst_prompt: float,
         max_tokens: float) -> None:
    prices = prices_for(spec)
    m = plan.per_model.setdefault(spec.name, ModelPlan())
    m.calls += calls
    m.prompt_tokens += calls * prompt
    m.completion_tokens += calls * max_tokens * REPLY_SHARE
    m.usd += prices.cost(calls * prompt, calls * max_tokens * REPLY_SHARE)
    m.worst_usd += prices.cost(calls * worst_prompt, calls * max_tokens)


def make_plan(cfg: StudyConfig) -> StudyPlan:
    study = cfg.study
    n_tasks = cfg.tasks.per_level * len(cfg.tasks.levels)
    plan = StudyPlan(n_tasks=n_tasks)
    budget = study.context_budget_tokens
    base = TASK_TOKENS + PREAMBLE_TOKENS
    judged_runs = 0
    for spec in cfg.agent_models:
        for name in study.protocols:
            proto = registry.get(name)
            for n in proto.agent_counts(study.n_agents):
                runs = n_tasks * study.replicates
                for shock in [None, *cfg.shocks_for(spec.name, n)]:
                    plan.runs[(spec.name, name, n, shock.name if shock else None)] = runs
                    judged_runs += runs
                    calls = runs * proto.expected_calls(n)
                    # mean completion cap per call: the coordinator's plan call has a larger one
                    per_call = (proto.completion_cap(n, study.agent_max_tokens)
                                / proto.expected_calls(n))
                    if shock is not None and shock.substitute is not None:
                        size = n + proto.extra_agents
                        moved = calls * shock.substitute.agents(size) // size
                        _add(plan, cfg.model(shock.substitute.model), moved, base + budget / 2,
                             base + budget, per_call)
                        calls -= moved
                    _add(plan, spec, calls, base + budget / 2, base + budget, per_call)
                    if study.assembly == "synthesize":
                        _add(plan, spec, runs, base + budget, base + budget,
                             study.assembly_max_tokens)
    for judge in cfg.judge_models:
        _add(plan, judge, judged_runs * cfg.judges.samples,
             JUDGE_PREAMBLE_TOKENS + TASK_TOKENS + study.assembly_max_tokens,
             JUDGE_PREAMBLE_TOKENS + TASK_TOKENS + 4 * study.assembly_max_tokens,
             cfg.judges.max_tokens)
    return plan


def render_plan(cfg: StudyConfig, plan: StudyPlan) -> str:
    lines = [f"tasks: {plan.n_tasks} ({cfg.tasks.per_level} per level x "
             f"{', '.join(cfg.tasks.levels)})", "runs:"]
    for (model, protocol, n, shock), count in plan.runs.items():
        shocked = f"  shock {shock}" if shock else ""
        lines.append(f"  {model:<16} {protocol:<20} N={n:<4} {count:>7} runs{shocked}")
    lines.append(f"  total {plan.total_runs} runs")
    lines.append("model calls, tokens and USD (estimate; worst case in brackets):")
    for name, m in plan.per_model.items():
        lines.append(f"  {name:<16} {m.calls:>8} calls  {m.prompt_tokens:>12,.0f} in  "
                     f"{m.completion_tokens:>10,.0f} out  ${m.usd:,.4f} [${m.worst_usd:,.4f}]")
    lines.append(f"  total {plan.total_calls} calls, ${plan.usd:,.4f} "
                 f"[worst case ${plan.worst_usd:,.4f}]; budget ${cfg.budget.max_usd:,.4f}, "
                 f"{cfg.budget.max_calls} calls")
    return "\n".join(lines)


def render_model_notes(cfg: StudyConfig, remembered: dict[tuple[str, str], tuple[str, str]],
                       ) -> str:
    """Per model: the structured-output mode it will use (a loud warning for prompt-only
    JSON) and, for self-hosted servers, the client timeout to check.

    `remembered` are the modes the call cache has settled on (`cache.read_modes`)."""
    from selforg.llm.structured import describe, falls_back, start_mode

    lines = ["structured output (how each model is asked for JSON):"]
    warnings = []
    for spec in cfg.used_models:
        resolved = remembered.get((spec.model, spec.api_base or "")) if falls_back(spec) else None
        lines.append(f"  {spec.name:<16} {describe(spec, resolved)}")
        if (resolved[0] if resolved else start_mode(spec)) == "prompt":
            warnings.append(
                f"WARNING: {spec.name} gets prompt-only JSON: nothing constrains its replies, "
                "so expect turns that do not parse and judgments that fail. Use a server or "
                "model with response_format support, or check that this one refuses it "
                "(`selforg check --reprobe`)")
    for spec in cfg.used_models:
        if spec.api_base:
            lines.append(f"hint: {spec.name} is self-hosted ({spec.api_base}): a call slower "
                         f"than timeout_s = {spec.timeout_s:g} s is abandoned and retried while "
                         "the server still computes it; if the server is slow, raise "
                         "models[].timeout_s above its slowest call")
    return "\n".join([*lines, *warnings])
