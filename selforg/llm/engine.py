"""One GGUF model in-process: chat template, prompt evaluation with prefix reuse, sampling.

selforg drives llama.cpp itself instead of calling llama-cpp-python's create_chat_completion,
for three reasons measured in docs/performance.md:

- constrained JSON by sample-then-check (selforg/llm/sampling.py) instead of matching the
  grammar against the whole vocabulary at every step;
- prefix reuse it can account for: the prompt is compared with what the context holds and
  with a few saved KV states (selforg/llm/prefix_cache.py), and only the rest is evaluated;
  `stats` counts prompt tokens sent and evaluated;
- memory: saved states are the sequence's KV only (llama-cpp-python's RAM cache also copies a
  batch x vocabulary logits array into every entry, 25 MB each for SmolLM2).

Answers must be a function of the request alone, or a fresh clone would not reproduce the
committed results: which prefix happened to be in the context must not change a single logit.
llama.cpp computes each row of a batch independently, except that a batch of one token takes a
different matrix-vector kernel: so prompts are evaluated in batches of at least two tokens
(MIN_BATCH), generated tokens always one at a time, and only prompt-evaluated positions are
ever reused. tests/llm/test_engine.py checks that a cold call and the same call after other
prompts give the same text.
"""

from __future__ import annotations

import ctypes
import json
import mmap
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import numpy as np

from selforg.llm.prefix_cache import PrefixCache, Tokens, common_prefix
from selforg.llm.sampling import Sampler

N_CTX = 4096
N_BATCH = 128
MIN_BATCH = 2
# The attention keys and values in 8 bits (llama.cpp's q8_0; a quantised V needs flash
# attention): half the memory of f16 at the same speed, 47 MB for SmolLM2's 4,096 positions.
KV_TYPE = 8  # GGML_TYPE_Q8_0
# Saved prompt states; one SmolLM2 token is about 12 KB of q8_0 KV (30 layers x 2 x 192), so
# this keeps about 2,700 prompt tokens: four or five families of agent prompts.
PREFIX_CACHE_BYTES = 32 << 20
# Restore a saved state only when it saves this many more tokens than the context already
# does (a restore copies the whole state: not worth it for a few tokens).
MIN_RESTORE_GAIN = 32


THREADS_ENV = "SELFORG_LLAMA_THREADS"


def threads() -> int:
    """llama.cpp's CPU threads: one per core, or SELFORG_LLAMA_THREADS (processes sharing the
    cores, like the test suite's workers, each take fewer: llama.cpp's threads wait for each
    other at every step by spinning, so more threads than cores stalls them all). Answers do
    not depend on it: each row of a matrix product is computed by one thread, whichever;
    tests/llm/test_engine.py checks it."""
    raw = os.environ.get(THREADS_ENV, "")
    if not raw:
        return os.cpu_count() or 1
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{THREADS_ENV}={raw!r} is not a positive whole number of threads")
    return int(raw)


@dataclass
class EngineStats:
    """What the engine did since it was loaded (read by the benchmarks)."""

    calls: int = 0
    prompt_tokens: int = 0
    evaluated_tokens: int = 0
    completion_tokens: int = 0
    fallbacks: int = 0
    full_passes: int = 0
    restores: int = 0


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int


@lru_cache(maxsize=32)
def _grammar(schema_json: str | None) -> tuple[str, str]:
    """GBNF text and root rule for a JSON schema (any JSON object without one)."""
    from llama_cpp.llama_grammar import JSON_GBNF, LlamaGrammar

    grammar = (LlamaGrammar.from_json_schema(schema_json, verbose=False) if schema_json
               else LlamaGrammar.from_string(JSON_GBNF, verbose=False))
    return grammar._grammar, grammar._root


def _batches(n: int) -> list[tuple[int, int]]:
    """(start, end) chunks of n prompt tokens, each at most N_BATCH and at least MIN_BATCH."""
    chunks = [(s, min(n, s + N_BATCH)) for s in range(0, n, N_BATCH)]
    if len(chunks) > 1 and chunks[-1][1] - chunks[-1][0] < MIN_BATCH:
        (s0, _), (_, e1) = chunks[-2], chunks[-1]
        chunks[-2:] = [(s0, e1 - MIN_BATCH), (e1 - MIN_BATCH, e1)]
    return chunks


class Engine:
    """A llama.cpp model and context; not thread-safe (the provider holds a lock per engine)."""

    def __init__(self, path: Path, prefix_cache_bytes: int = PREFIX_CACHE_BYTES,
                 reuse_prefixes: bool = True) -> None:
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        n_threads = threads()
        self.llama = Llama(model_path=str(path), n_ctx=N_CTX, n_batch=N_BATCH,
                           n_threads=n_threads, n_threads_batch=n_threads, flash_attn=True,
                           type_k=KV_TYPE, type_v=KV_TYPE, verbose=False)
        template = self.llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise ValueError(f"{path} has no chat template (tokenizer.chat_template) in its "
                             "metadata; use a chat/instruct GGUF")
        model = self.llama._model
        eos, bos = self.llama.token_eos(), self.llama.token_bos()
        self.formatter = Jinja2ChatFormatter(
            template=template, eos_token=model.token_get_text(eos) if eos != -1 else "",
            bos_token=model.token_get_text(bos) if bos != -1 else "")
        self.vocab = model.vocab
        self.reuse_prefixes = reuse_prefixes
        self.cache = PrefixCache(prefix_cache_bytes if reuse_prefixes else 0)
        self.stats = EngineStats()
        # The prompt whose KV the context holds from position 0 (generated tokens after it are
        # never reused: they were evaluated one at a time).
        self._held: Tokens = np.zeros(0, dtype=np.intc)

    def close(self) -> None:
        self.llama.close()

    def prompt(self, messages: list[dict[str, str]]) -> Tokens:
        """The chat prompt's tokens, as the model's own template lays it out."""
        formatted = self.formatter(messages=cast(Any, messages))
        tokens = self.llama.tokenize(formatted.prompt.encode(),
                                     add_bos=not formatted.added_special, special=True)
        return np.asarray(tokens, dtype=np.intc)

    def complete(self, messages: list[dict[str, str]], *, max_tokens: int, temperature: float,
                 seed: int, json_schema: dict[str, Any] | None = None,
                 json_object: bool = False) -> Completion:
        """One chat completion; JSON-constrained when a schema (or json_object) is given."""
        import llama_cpp

        tokens = self.prompt(messages)
        if len(tokens) + max_tokens > N_CTX:
            raise ValueError(f"Requested tokens ({len(tokens) + max_tokens}) exceed context "
                             f"window of {N_CTX}")
        self._evaluate_prompt(tokens)
        grammar = (_grammar(json.dumps(json_schema) if json_schema else None)
                   if json_schema is not None or json_object else None)
        sampler = Sampler(self.vocab, self.llama.n_vocab(), grammar, temperature, seed)
        out: list[int] = []
        try:
            for _ in range(max_tokens):
                token = sampler.sample(self.llama._ctx.ctx)
                if llama_cpp.llama_vocab_is_eog(self.vocab, token):
                    break
                out.append(token)
                self.llama.eval([token])
        finally:
            self.stats.fallbacks += sampler.fallbacks
            self.stats.full_passes += sampler.full_passes
            sampler.close()
        self.stats.calls += 1
        self.stats.prompt_tokens += len(tokens)
        self.stats.completion_tokens += len(out)
        text = self.llama.detokenize(out).decode("utf-8", errors="ignore")
        return Completion(text, len(tokens), len(out))

    def _evaluate_prompt(self, tokens: Tokens) -> None:
        """Bring the context to `tokens`, evaluating only what neither the context nor a saved
        state already holds (always at least the last MIN_BATCH tokens, for the logits)."""
        reusable = common_prefix(self._held, tokens) if self.reuse_prefixes else 0
        if self.reuse_prefixes:
            saved, entry = self.cache.longest(tokens)
            if entry is not None and saved >= reusable + MIN_RESTORE_GAIN:
                self._restore(entry.tokens, entry.state)
                reusable = saved
        keep = max(0, min(reusable, len(tokens) - MIN_BATCH))
        self.llama.n_tokens = keep
        rest = tokens[keep:]
        for start, end in _batches(len(rest)):
            self.llama.eval(rest[start:end].tolist())
        self._held = tokens
        self.stats.evaluated_tokens += len(rest)
        if self.reuse_prefixes and len(rest) >= MIN_RESTORE_GAIN:
            self._save(tokens)

    def _save(self, tokens: Tokens) -> None:
        """Keep the context's state for `tokens` in the prefix cache, written by llama.cpp
        straight into a memory map of its own (see prefix_cache.py)."""
        import llama_cpp

        ctx = self.llama._ctx.ctx
        size = llama_cpp.llama_state_seq_get_size(ctx, 0)
        if not self.cache.fits(size):
            return
        state = mmap.mmap(-1, size)
        buffer = (ctypes.c_uint8 * size).from_buffer(state)
        written = llama_cpp.llama_state_seq_get_data(ctx, buffer, size, 0)
        del buffer  # a map with a live export cannot be closed
        if written != size:
            raise RuntimeError(f"llama.cpp wrote {written} of the {size} bytes of a state")
        self.cache.put(tokens, state)

    def _restore(self, tokens: Tokens, state: mmap.mmap) -> None:
        import llama_cpp

        ctx = self.llama._ctx.ctx
        llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(ctx), True)
        buffer = (ctypes.c_uint8 * len(state)).from_buffer(state)
        restored = llama_cpp.llama_state_seq_set_data(ctx, buffer, len(state), 0)
        del buffer
        if restored != len(state):
            raise RuntimeError("llama.cpp could not restore a saved prompt state")
        self.llama.input_ids[:len(tokens)] = tokens
        self.llama.n_tokens = len(tokens)
        self._held = tokens
        self.stats.restores += 1
