"""Which providers exist and how each is called: litellm import, custom handlers, checks.

Hosted APIs, vLLM, Ollama and any OpenAI-compatible server (`openai/NAME` + api_base) are
litellm's own providers and need nothing here. Two providers are selforg's: `local` (the
embedded llama.cpp model) and `scripted` (deterministic fakes for tests and benchmarks), both
registered in litellm's custom_provider_map so they take exactly the same path.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from selforg.config import ModelSpec

FREE_PROVIDERS = {"local", "scripted"}
# litellm's documented zero-cost model: every rate litellm can bill a chat call at, set to 0.
ZERO_RATES = ("input_cost_per_token", "output_cost_per_token",
              "cache_creation_input_token_cost", "cache_read_input_token_cost")
_registered = False
_declared_free: set[str] = set()


def import_litellm() -> Any:
    """Import litellm offline: bundled price table, no telemetry, no debug banners, no
    tokenizer downloads."""
    os.environ.setdefault("LITELLM_TELEMETRY", "False")
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    # token_counter would fetch some tokenizers from the Hugging Face hub: counts (and so
    # prompts, see selforg/llm/tokens.py) must not depend on whether a machine can reach it.
    litellm.disable_hf_tokenizer_download = True
    return litellm


def provider_of(model: str) -> str:
    return model.split("/", 1)[0] if "/" in model else ""


def ensure_registered() -> None:
    """Register selforg's own providers with litellm (once per process)."""
    global _registered
    if _registered:
        return
    litellm = import_litellm()
    from selforg.llm.local import LocalLlama
    from selforg.llm.scripted import ScriptedLLM

    litellm.custom_provider_map = [
        *[p for p in litellm.custom_provider_map if p["provider"] not in FREE_PROVIDERS],
        {"provider": "local", "custom_handler": LocalLlama()},
        {"provider": "scripted", "custom_handler": ScriptedLLM()},
    ]
    from litellm.utils import custom_llm_setup

    custom_llm_setup()
    _registered = True


def declare_free(model: str) -> None:
    """Enter a `local/` or `scripted/` model string in litellm's price table at zero cost.

    Why: litellm prices every response itself and runs a zero-cost diagnostic on it twice,
    although selforg never reads that figure (it prices calls from usage, see pricing.py). For
    a model string missing from litellm's table each of these falls back to scanning the whole
    table by pattern: a third of litellm's work on a call to an instant model (0.5 to 1 ms on
    2 cores). An entry whose rates are all an explicit 0 (litellm's documented zero-cost
    model) makes them dict lookups. Hosted and OpenAI-compatible models are left alone: an
    entry would also change what litellm believes such a model supports.
    """
    if model in _declared_free:
        return
    provider = provider_of(model)
    if provider not in FREE_PROVIDERS:
        raise ValueError(f"{model!r} is not a model of a free provider")
    litellm = import_litellm()
    litellm.register_model({model: {**dict.fromkeys(ZERO_RATES, 0.0),
                                    "litellm_provider": provider, "mode": "chat"}})
    _declared_free.add(model)


def local_engine_stats() -> Any:
    """The embedded engines' counters (selforg.llm.engine.EngineStats) summed over this
    process, or None if no embedded model ran (llama.cpp is then never imported)."""
    local = sys.modules.get("selforg.llm.local")
    return local.engine_stats() if local is not None else None


def loads_in_process(models: list[ModelSpec]) -> bool:
    """Whether calling these models loads an embedded model into this process (the stages
    then check their inputs apart, selforg.validation.validate_inputs)."""
    return any(provider_of(m.model) == "local" for m in models)


def release_local_models() -> None:
    """Free the embedded models this process loaded (none loaded: nothing to do)."""
    local = sys.modules.get("selforg.llm.local")
    if local is not None:
        local.release()


def model_problems(spec: ModelSpec) -> list[tuple[str, str]]:
    """Config-time checks of one model entry: known to a provider, priced for the budget."""
    from selforg.llm.pricing import prices_for

    provider = provider_of(spec.model)
    if provider == "local":
        from selforg.errors import SelforgError
        from selforg.llm.local_models import (
            EMBEDDED_FIX,
            LOCAL_MODELS,
            is_path,
            missing_packages,
            weights_path,
        )

        name = spec.model.removeprefix("local/")
        missing = missing_packages()
        if is_path(name):  # a file of the user's: only llama.cpp itself is needed
            missing = [dist for dist in missing if dist == "llama-cpp-python"]
        if missing and (is_path(name) or name in LOCAL_MODELS):
            return [(f"{spec.model!r} runs in-process through {' and '.join(missing)}, "
                     "which is not installed", EMBEDDED_FIX)]
        try:
            weights_path(name)
        except SelforgError as error:
            return error.problems
        from selforg.llm.engine import THREADS_ENV, threads  # llama.cpp is installed by now

        try:
            threads()
        except ValueError as error:
            return [(str(error), f"unset {THREADS_ENV} (one thread per core) or set it to a "
                                 "number of threads, e.g. 2")]
        return []
    if provider == "scripted":
        return []
    litellm = import_litellm()
    try:
        litellm.get_llm_provider(model=spec.model, api_base=spec.api_base)
    except Exception:
        return [(f"litellm does not recognise the model string {spec.model!r}",
                 "use a litellm model string with its provider prefix, e.g. "
                 "openai/gpt-4o-mini, anthropic/claude-sonnet-4-5, ollama/llama3, or "
                 "openai/NAME with api_base for an OpenAI-compatible server")]
    try:
        prices_for(spec)
    except LookupError:
        return [(f"no price known for {spec.model!r}, so the budget cannot be enforced",
                 "add price: {input_per_mtok: X, output_per_mtok: Y} to this model "
                 "(0 and 0 for a self-hosted server)")]
    return []
