"""Evaluated prompt prefixes kept in RAM, so interleaved calls do not re-read shared text.

A study's agents share long prefixes (rules and task first, the agent's own part last: see
Team.agent_messages), and the calls of concurrent runs interleave on one model. The context
itself keeps the last prompt; this cache keeps the KV state of a few others. Each entry is the
KV state of one sequence (llama.cpp's per-sequence state: the attention keys and values of its
tokens, no logits), so an entry costs what its tokens cost and nothing more.

One entry per family of prompts: a new prompt replaces every entry it shares at least half of
its tokens with (the previous agent of the same wave, typically), so a wave of 64 agents holds
one entry, not 64. Entries beyond `capacity_bytes` go, least recently used first.

Each state is an anonymous memory map of its own (the engine writes it in place), so an evicted
entry goes back to the operating system at once. Held in malloc'd buffers, the megabyte-sized
states of a study raised glibc's mmap threshold and were then carved out of the heap, which
kept them resident after they were dropped: run_protocol grew by about 80 MB over the default
study's calls (docs/performance.md, Memory).
"""

from __future__ import annotations

import mmap
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Tokens = npt.NDArray[np.intc]


def common_prefix(a: Tokens, b: Tokens) -> int:
    """How many leading tokens a and b share."""
    n = min(len(a), len(b))
    if n == 0:
        return 0
    differ = np.flatnonzero(a[:n] != b[:n])
    return int(differ[0]) if len(differ) else n


@dataclass(frozen=True)
class Entry:
    tokens: Tokens
    state: mmap.mmap


class PrefixCache:
    """KV states of evaluated prompts, bounded in bytes, keyed by their tokens."""

    def __init__(self, capacity_bytes: int) -> None:
        self.capacity_bytes = capacity_bytes
        self._entries: OrderedDict[int, Entry] = OrderedDict()
        self._next_id = 0

    @property
    def nbytes(self) -> int:
        return sum(len(e.state) for e in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def longest(self, tokens: Tokens) -> tuple[int, Entry | None]:
        """The entry sharing the longest prefix with `tokens`, and that prefix's length."""
        best, found, found_id = 0, None, None
        for key, entry in self._entries.items():
            shared = common_prefix(entry.tokens, tokens)
            if shared > best:
                best, found, found_id = shared, entry, key
        if found_id is not None:
            self._entries.move_to_end(found_id)
        return best, found

    def fits(self, nbytes: int) -> bool:
        """Whether a state of this size can be kept at all (checked before it is copied)."""
        return 0 < nbytes <= self.capacity_bytes

    def put(self, tokens: Tokens, state: mmap.mmap) -> None:
        """Keep the state of `tokens`, replacing the entries of the same family."""
        if not self.fits(len(state)):
            return
        for key in [k for k, e in self._entries.items()
                    if 2 * common_prefix(e.tokens, tokens) >= len(e.tokens)]:
            del self._entries[key]
        self._entries[self._next_id] = Entry(tokens.copy(), state)
        self._next_id += 1
        while self.nbytes > self.capacity_bytes:
            self._entries.popitem(last=False)
