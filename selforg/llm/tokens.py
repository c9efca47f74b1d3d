"""Counting tokens as the model that reads a prompt will, so context budgets hold in its units.

`local/<name>` models count with their own llama.cpp vocabulary (loaded vocabulary-only: no
weights, about 0.1 s). Every other model counts with litellm's `token_counter`, with Hugging
Face tokenizer downloads switched off (`providers.import_litellm`): that gives tiktoken's
encoding for OpenAI models and cl100k_base for the rest, offline and the same on every
machine. Views, and so prompts and the call cache's keys, must not depend on whether a machine
could reach the Hugging Face hub. For a model whose own tokenizer differs from cl100k the
budget is approximate; the provider's real prompt_tokens are recorded on every call, so a study
can check the bound (bench/smoke_study.py does).
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

from selforg.llm import providers
from selforg.llm.local_models import weights_path

TokenCount = Callable[[str], int]
COUNT_CACHE_SIZE = 1 << 16  # texts per model; a wave shows the same items to every agent


class _LocalVocabulary:
    """A llama.cpp vocabulary without weights or a context; one lock, since batches may share
    it. (`Llama(vocab_only=True)` would also create a context and log a spurious warning.)"""

    def __init__(self, name: str) -> None:
        import llama_cpp
        from llama_cpp._internals import LlamaModel

        params = llama_cpp.llama_model_default_params()
        params.vocab_only = True
        self.model = LlamaModel(path_model=str(weights_path(name)), params=params,
                                verbose=False)
        self.lock = threading.Lock()
        # Free it before interpreter teardown; llama.cpp's own finaliser fails then.
        atexit.register(self.model.close)

    def count(self, text: str) -> int:
        with self.lock:
            return len(self.model.tokenize(text.encode(), add_bos=False, special=False))


def _litellm_count(model: str) -> TokenCount:
    litellm: Any = providers.import_litellm()

    def count(text: str) -> int:
        return int(litellm.token_counter(model=model, text=text))

    return count


@cache
def token_counter(model: str) -> TokenCount:
    """The count function for a litellm model string, memoised per text."""
    if providers.provider_of(model) == "local":
        counter: TokenCount = _LocalVocabulary(model.removeprefix("local/")).count
    else:
        counter = _litellm_count(model)
    return lru_cache(maxsize=COUNT_CACHE_SIZE)(counter)
