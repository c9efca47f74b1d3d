"""Sampling seeds derived from names, identical in every process (hash() is salted per process).

Seeds are part of every call's cache key, so a run, a judgment or a task draft asks for the
same seed on every re-run and replays from the cache.
"""

from __future__ import annotations

import hashlib


def stable_seed(*parts: object) -> int:
    """A 32-bit seed from the parts joined by ':'."""
    return int(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:8], 16)
