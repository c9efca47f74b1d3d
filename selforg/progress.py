"""Live progress for long stages: items done of total, calls, cache hits, tokens, USD, ETA."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm

from selforg.llm.gateway import GatewayStats


class Progress:
    def __init__(self, bar: tqdm, stats: GatewayStats) -> None:
        self.bar = bar
        self.stats = stats

    def advance(self, _item: object = None) -> None:
        s = self.stats
        self.bar.set_postfix_str(
            f"calls {s.calls} cached {s.cache_hits} failed {s.failures} "
            f"tok {s.prompt_tokens + s.completion_tokens:,} ${s.usd:.4f}", refresh=False)
        self.bar.update(1)


@contextmanager
def progress(total: int, desc: str, unit: str, stats: GatewayStats) -> Iterator[Progress]:
    with tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True,
              mininterval=0.5) as bar:
        yield Progress(bar, stats)
