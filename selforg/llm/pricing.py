"""Prices per token: params overrides first, then litellm's bundled price table.

litellm is imported with LITELLM_LOCAL_MODEL_COST_MAP=True (set by selforg.llm's __init__), so
the table is the one shipped with the pinned litellm version and no price download happens.
Local (in-process) and scripted models cost nothing. A hosted model with no known price is a
config error: the budget guard cannot work without one.
"""

from __future__ import annotations

from dataclasses import dataclass

from selforg.config import ModelSpec
from selforg.llm.providers import FREE_PROVIDERS, provider_of


@dataclass(frozen=True)
class Prices:
    """USD per token."""

    input: float
    output: float

    def cost(self, prompt_tokens: float, completion_tokens: float) -> float:
        return prompt_tokens * self.input + completion_tokens * self.output


def table_prices(model: str) -> Prices | None:
    """litellm's bundled price for a model string, or None when it has none."""
    from selforg.llm.providers import import_litellm

    litellm = import_litellm()
    try:
        info = litellm.get_model_info(model=model)
    except Exception:
        return None
    inp, out = info.get("input_cost_per_token"), info.get("output_cost_per_token")
    if inp is None or out is None:
        return None
    return Prices(float(inp), float(out))


def prices_for(spec: ModelSpec) -> Prices:
    if spec.price is not None:
        return Prices(spec.price.input_per_mtok / 1e6, spec.price.output_per_mtok / 1e6)
    if provider_of(spec.model) in FREE_PROVIDERS:
        return Prices(0.0, 0.0)
    found = table_prices(spec.model)
    if found is None:
        raise LookupError(spec.model)
    return found
