"""Live progress for long stages: items done of total, calls, cache hits, failures, retries,
client timeouts, tokens, USD, ETA; and the notes a stage prints after its summary line."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm

from selforg.llm import providers
from selforg.llm.gateway import Gateway, GatewayStats


class Progress:
    def __init__(self, bar: tqdm, stats: GatewayStats) -> None:
        self.bar = bar
        self.stats = stats

    def advance(self, _item: object = None) -> None:
        s = self.stats
        timeouts = f" timeouts {s.timeouts}" if s.timeouts else ""
        self.bar.set_postfix_str(
            f"calls {s.calls} cached {s.cache_hits} failed {s.failures} retries {s.retries}"
            f"{timeouts} tok {s.prompt_tokens + s.completion_tokens:,} ${s.usd:.4f}",
            refresh=False)
        self.bar.update(1)


@contextmanager
def progress(total: int, desc: str, unit: str, stats: GatewayStats) -> Iterator[Progress]:
    with tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True,
              mininterval=0.5) as bar:
        yield Progress(bar, stats)


def print_gateway_notes(stage: str, gateway: Gateway) -> None:
    """What a user should know after a stage: client timeouts that were retried (the server
    may still have been computing the abandoned calls) and structured-output fallbacks."""
    s = gateway.stats
    if s.timeouts:
        slow = sorted({m.name for m in gateway.cfg.models if m.api_base})
        hint = (f"; if {', '.join(slow)} is a slow self-hosted server, raise its "
                "models[].timeout_s above its slowest call" if slow
                else "; raise models[].timeout_s if the provider is slow")
        print(f"{stage}: {s.timeouts} call(s) timed out on the client and were retried while "
              f"the server may still have been computing them{hint}")
    for line in s.fallbacks:
        print(f"{stage}: {line}")
    engine = providers.local_engine_stats()
    if engine is not None and engine.prompt_tokens:
        print(f"{stage}: the embedded model evaluated {engine.evaluated_tokens:,} of "
              f"{engine.prompt_tokens:,} prompt tokens "
              f"({engine.evaluated_tokens / engine.prompt_tokens:.0%}; the rest reused from "
              f"prefixes shared with earlier calls) and generated {engine.completion_tokens:,}")
