"""`selforg check`: one tiny call per model before any study money is spent.

Each model the study uses gets one call through the gateway, the path every study call takes:
it shows whether the server is reachable at its api_base, whether the key is accepted, how
long a call takes against timeout_s, and which structured-output mode the model ends up with
(an `auto` model is probed, falling back as in a study, and the mode is remembered in the call
cache for the study). Each check call carries a fresh seed, so it is really sent; it is paid,
cached and counted against the budget like any call (it is in the ledger, not in any table).
Retries are cut to two attempts, so a dead server is reported in seconds, not minutes.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from selforg.config import ModelSpec, RetryConfig, load_config
from selforg.errors import SelforgError
from selforg.llm.cache import CallCache
from selforg.llm.gateway import CallResult, Gateway
from selforg.llm.structured import describe
from selforg.paths import Paths

CHECK_SCHEMA = {"type": "object", "properties": {"ok": {"type": "boolean"}},
                "required": ["ok"], "additionalProperties": False}
CHECK_MESSAGES = [
    {"role": "system", "content": "You answer health checks of a model endpoint."},
    {"role": "user", "content": 'Reply with the JSON object {"ok": true} and nothing else.'},
]
MAX_TOKENS = 16
CHECK_RETRY = RetryConfig(attempts=2, base_delay_s=0.5, max_delay_s=2.0)


def _is_json(text: str | None) -> bool:
    try:
        return isinstance(json.loads((text or "").strip()), dict)
    except ValueError:
        return False


def _line(spec: ModelSpec, result: CallResult, gateway: Gateway) -> str:
    mode = describe(spec, gateway.resolved(spec)) if result.error is None else "-"
    if result.error is not None:
        return f"  {spec.name:<16} FAILED  {result.error}"
    reply = "JSON" if _is_json(result.text) else "NOT JSON"
    return (f"  {spec.name:<16} ok      {result.latency_s:6.2f} s (timeout_s "
            f"{spec.timeout_s:g})  reply {reply}: {(result.text or '').strip()[:60]!r}\n"
            f"  {'':<16}         structured output: {mode}")


def check_models(params: Path, root: Path, reprobe: bool = False) -> None:
    """Call every used model once and print what happened; SelforgError if any failed."""
    cfg = load_config(params)
    cfg = cfg.model_copy(update={"retry": CHECK_RETRY})
    cache = CallCache(Paths(root).cache_dir(cfg.cache.dir))
    if reprobe:
        cache.forget_modes()
    gateway = Gateway(cfg, cache)
    seed = time.time_ns() % 2**31
    specs = cfg.used_models

    async def all_models() -> list[CallResult]:
        return list(await asyncio.gather(*(
            gateway.complete(spec, CHECK_MESSAGES, max_tokens=MAX_TOKENS, temperature=0.0,
                             json_schema=CHECK_SCHEMA, seed=seed) for spec in specs)))

    results = asyncio.run(all_models())
    print(f"checked {len(specs)} model(s), one call each:")
    for spec, result in zip(specs, results, strict=True):
        print(_line(spec, result, gateway))
    prompt_only = [s.name for s in specs if gateway.mode_of(s) == "prompt"]
    if prompt_only:
        print(f"WARNING: {', '.join(prompt_only)} get(s) prompt-only JSON: nothing constrains "
              "the replies, so expect turns that do not parse and judgments that fail")
    s = gateway.stats
    print(f"{s.calls} call(s) answered, ${s.usd:.6f} (counted against budget.max_usd)")
    failed = [(spec, r) for spec, r in zip(specs, results, strict=True) if r.error is not None]
    if failed:
        raise SelforgError([(f"model {spec.name} failed its check: {r.error}",
                             "check models[].api_base, that the server is running, the key "
                             "named by api_key_env and models[].timeout_s, then run `selforg "
                             "check` again") for spec, r in failed])
