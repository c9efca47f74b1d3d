"""Grammar-constrained sampling at unconstrained speed: sample first, check the token after.

llama-cpp-python puts the JSON grammar at the head of the sampler chain, so at every step the
grammar is matched against all candidate tokens (49,152 for SmolLM2): about half the time of a
call. llama.cpp's own tools (common/sampling.cpp) sample from the unconstrained chain first
and ask the grammar about that one token; only when the grammar rejects it do they run the
full constrained chain. Output is still always grammatical (every accepted token passed the
grammar, the grammar only accepts end-of-generation once the JSON is complete), and sampling
stays deterministic per seed: both chains have their own seeded RNG and which one runs at a
step depends only on the logits.

SmolLM2 often prefers a token the schema's layout forbids (about half the steps of an agent
turn), so a rejection first asks the grammar about the TOP_K most likely tokens only, and
samples among those it allows; if it allows none of them (the letters of a key the schema
fixes, which the model has no reason to predict), about the WIDE_K most likely; only when it
allows none of those either is the grammar matched against the whole vocabulary. This is
that scheme on llama.cpp's sampler API, through llama-cpp-python's ctypes bindings.
"""

from __future__ import annotations

import ctypes
import math
from typing import Any

import llama_cpp
import numpy as np

# llama-cpp-python's defaults for create_chat_completion, so the embedded model samples as
# its direct users would (typical_p 1 and repeat_penalty 1 are no-ops and left out).
TOP_K = 40
TOP_P = 0.95
MIN_P = 0.05
WIDE_K = 1024


# llama_token_data as numpy sees it, for the top-k candidate array
TOKEN_DATA = np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)


def _chain(grammar: Any | None, temperature: float, seed: int, top_k: bool = True) -> Any:
    """A llama.cpp sampler chain: [grammar], [top-k], top-p, min-p, temperature, seeded draw
    (greedy at temperature 0)."""
    chain = llama_cpp.llama_sampler_chain_init(llama_cpp.llama_sampler_chain_default_params())
    if grammar is not None:
        llama_cpp.llama_sampler_chain_add(chain, grammar)
    if temperature <= 0:
        llama_cpp.llama_sampler_chain_add(chain, llama_cpp.llama_sampler_init_greedy())
        return chain
    if top_k:
        llama_cpp.llama_sampler_chain_add(chain, llama_cpp.llama_sampler_init_top_k(TOP_K))
    for sampler in (llama_cpp.llama_sampler_init_top_p(TOP_P, 1),
                    llama_cpp.llama_sampler_init_min_p(MIN_P, 1),
                    llama_cpp.llama_sampler_init_temp(temperature),
                    llama_cpp.llama_sampler_init_dist(seed)):
        llama_cpp.llama_sampler_chain_add(chain, sampler)
    return chain


class Sampler:
    """One generation's sampler: unconstrained, or sample-then-check against a GBNF grammar.

    `fallbacks` counts the steps at which the grammar rejected the free sample, and
    `full_passes` those at which it also rejected every top-k candidate (for the benchmark:
    a full pass is what every step cost before)."""

    def __init__(self, vocab: Any, n_vocab: int, grammar: tuple[str, str] | None,
                 temperature: float, seed: int) -> None:
        self.n_vocab = n_vocab
        self.free = _chain(None, temperature, seed)
        self.tail: Any | None = None
        self.constrained: Any | None = None
        self.grammar: Any | None = None
        if grammar is not None:
            text, root = grammar
            handle = llama_cpp.llama_sampler_init_grammar(vocab, text.encode(), root.encode())
            if not handle:
                raise ValueError("llama.cpp could not parse the JSON grammar")
            # The constrained chain owns the grammar; the check applies that same sampler
            # alone, so one grammar state follows the tokens whichever chain chose them.
            self.constrained = _chain(handle, temperature, seed + 1)
            self.grammar = handle
            # The rest of the chain after top-k, for a draw among allowed top candidates.
            self.tail = _chain(None, temperature, seed + 2, top_k=False)
        self._one: Any = llama_cpp.llama_token_data()
        self._one_array = llama_cpp.llama_token_data_array(
            data=ctypes.pointer(self._one), size=1, selected=-1, sorted=False)
        self._top = np.zeros(WIDE_K, dtype=TOKEN_DATA)
        self._top_array = llama_cpp.llama_token_data_array(
            data=self._top.ctypes.data_as(ctypes.POINTER(llama_cpp.llama_token_data)),
            size=WIDE_K, selected=-1, sorted=False)
        self.fallbacks = 0
        self.full_passes = 0

    def sample(self, ctx: Any) -> int:
        """The next token after the context's last evaluated position."""
        token = int(llama_cpp.llama_sampler_sample(self.free, ctx, -1))
        if self.grammar is None:
            return token
        if self._allowed(token):
            llama_cpp.llama_sampler_accept(self.grammar, token)
            return token
        self.fallbacks += 1
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx, -1),
                                       shape=(self.n_vocab,))
        for k in (TOP_K, WIDE_K):
            chosen = self._sample_top(logits, k)
            if chosen is not None:
                llama_cpp.llama_sampler_accept(self.grammar, chosen)
                return chosen
        self.full_passes += 1
        # llama_sampler_sample applies the whole constrained chain and accepts the token in
        # every sampler of it, the grammar included.
        return int(llama_cpp.llama_sampler_sample(self.constrained, ctx, -1))

    def _sample_top(self, logits: np.ndarray[Any, np.dtype[np.single]], k: int) -> int | None:
        """A draw among the k most likely tokens the grammar allows; None if it allows none
        of them. (Sorted by id, so ties among logits cannot make the order vary.)"""
        ids = np.sort(np.argpartition(logits, -k)[-k:])
        top = self._top[:k]
        top["id"] = ids
        top["logit"] = logits[ids]
        top["p"] = 0.0
        array: Any = self._top_array
        array.data = self._top.ctypes.data_as(ctypes.POINTER(llama_cpp.llama_token_data))
        array.size, array.selected, array.sorted = k, -1, False
        llama_cpp.llama_sampler_apply(self.grammar, ctypes.byref(array))
        if np.isinf(top["logit"]).all():
            return None
        llama_cpp.llama_sampler_apply(self.tail, ctypes.byref(array))
        return int(array.data[array.selected].id)

    def _allowed(self, token: int) -> bool:
        self._one.id = token
        self._one.logit = 1.0
        self._one.p = 0.0
        self._one_array.size = 1
        self._one_array.selected = -1
        llama_cpp.llama_sampler_apply(self.grammar, ctypes.byref(self._one_array))
        return not math.isinf(self._one.logit)

    def close(self) -> None:
        for chain in (self.free, self.tail, self.constrained):
            if chain is not None:
                llama_cpp.llama_sampler_free(chain)
        self.free = self.tail = self.constrained = self.grammar = None
