"""Constrained JSON through selforg's product path against llama.cpp unconstrained: tokens/s.

    .venv/bin/python bench/embedded_model.py [--calls 4] [--max-tokens 96]

Three sides make the same `--calls` agent-like calls, with the same messages, max_tokens,
temperature and seed:

- direct, no grammar: `llama_cpp.Llama.create_chat_completion` without a response format on
  its own instance (same context size, batch and threads as selforg's engine): llama.cpp's
  own speed, the reference of the target;
- direct, grammar: the same call with the turn JSON schema as `response_format`, which is how
  selforg called llama.cpp before it drove it itself (grammar over the whole vocabulary at
  every step);
- gateway: `Gateway.complete` on `local/smollm2-135m` with the turn schema and a fresh call
  cache (no hits): cache key, budget, litellm routing, the provider's thread hop and lock, and
  the engine's sample-then-check decoding and prefix reuse.

Each side has its own instance and warms it with one call first; then the sides take turns
call by call (the order rotates), so the load of a shared machine hits all alike. Two prompt
sets: "distinct" prompts differ from their first word; "shared" prompts share a long task text
and differ only in the agent's identity at the end (how selforg builds agent prompts), so
prefix reuse is in play. tokens/s = completion tokens / wall time of the calls. Every gateway
answer must parse as JSON (as selforg's turn parser reads it, raw newlines allowed
inside strings) unless it stopped at max_tokens (the count of those is printed).
Target: gateway >= 75% of direct without grammar.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import load, machine, markdown_header, markdown_row, scripted_study, write_params

from selforg.config import ModelSpec, load_config
from selforg.llm.cache import CallCache
from selforg.llm.engine import N_BATCH, N_CTX
from selforg.llm.gateway import Gateway
from selforg.llm.local_models import weights_path
from selforg.protocols.turn import TURN_SCHEMA

TEMPERATURE = 0.7
TOPICS = ["hospital records", "warehouse robots", "school timetable", "river flood plan",
          "bakery supply chain", "museum lighting", "bus network", "clinic triage",
          "solar farm", "library archive", "port logistics", "city composting"]
TASK = ("Plan the migration of a hospital's patient records to a new system across IT, legal "
        "compliance and clinical operations. Name the owner, the deadline and the main risk of "
        "each step, keep patient care running throughout, and say how success is measured. ")
SIDES = ("direct, no grammar", "direct, grammar", "gateway")
COLUMNS = ["prompts", "side", "calls", "completion tokens", "wall s", "tokens/s",
           "/ direct no grammar", "load (1 min)"]
TARGET = 0.75


def prompts(kind: str, count: int) -> list[list[dict[str, str]]]:
    """`count` chat prompts: wholly distinct, or one long shared prefix and a distinct end."""
    if kind == "distinct":
        return [[{"role": "user", "content": f"{TOPICS[i % len(TOPICS)].capitalize()} #{i}: "
                  f"propose the first three steps of a project about the "
                  f"{TOPICS[i % len(TOPICS)]}. Reply in JSON."}] for i in range(count)]
    return [[{"role": "system", "content": "You are one agent in a team of AI agents. " + TASK},
             {"role": "user", "content": f"TASK:\n{TASK}\nYou are agent {i + 1}. "
              "Contribute one step. Reply in JSON."}] for i in range(count)]


def gateway_for(root: Path) -> tuple[Gateway, ModelSpec]:
    """A Gateway on `local/smollm2-135m` with a fresh call cache in `root`."""
    root.mkdir(parents=True, exist_ok=True)
    params = scripted_study(root / "cache",
                            models=[{"name": "smollm2", "model": "local/smollm2-135m",
                                     "max_concurrency": 1, "open_weights": True}],
                            study={"models": ["smollm2"], "protocols": ["single"],
                                   "n_agents": [1]},
                            judges={"models": ["smollm2"], "allow_self_judging": True})
    cfg = load_config(write_params(root / "params.yaml", params))
    return Gateway(cfg, CallCache(root / "cache")), cfg.model("smollm2")


async def compare(sets: dict[str, list[list[dict[str, str]]]], max_tokens: int,
                  root: Path) -> tuple[dict[tuple[str, str], tuple[int, float]], list[str]]:
    """(prompt set, side) -> (completion tokens, wall s), the sides interleaved call by call
    (the order rotates), and the gateway answers that did not parse as JSON."""
    from llama_cpp import Llama

    threads = os.cpu_count() or 1
    direct = {side: Llama(model_path=str(weights_path("smollm2-135m")), n_ctx=N_CTX,
                          n_batch=N_BATCH, n_threads=threads, n_threads_batch=threads,
                          verbose=False) for side in SIDES[:2]}
    gateway, spec = gateway_for(root)
    fmt: dict[str, Any] = {"type": "json_object", "schema": TURN_SCHEMA}
    unparsed: list[str] = []

    async def call(side: str, messages: list[dict[str, str]], seed: int) -> int:
        if side == "gateway":
            result = await gateway.complete(spec, messages, max_tokens=max_tokens,
                                            temperature=TEMPERATURE, json_schema=TURN_SCHEMA,
                                            seed=seed)
            if result.error is not None or result.cached:
                raise SystemExit(f"gateway call not fresh or failed: {result.error}")
            if result.completion_tokens < max_tokens:
                try:
                    json.loads(result.text, strict=False)
                except ValueError:
                    unparsed.append(result.text)
            return result.completion_tokens
        kwargs: dict[str, Any] = {"messages": messages, "max_tokens": max_tokens,
                                  "temperature": TEMPERATURE, "seed": seed}
        if side == "direct, grammar":
            kwargs["response_format"] = fmt
        out: Any = direct[side].create_chat_completion(**kwargs)
        return int(out["usage"]["completion_tokens"])

    for side in SIDES:
        await call(side, [{"role": "user", "content": "Warm up: reply in JSON."}], 999)
    totals: dict[tuple[str, str], tuple[int, float]] = {}
    turn = 0
    for kind, calls in sets.items():
        for seed, messages in enumerate(calls):
            for side in SIDES[turn % 3:] + SIDES[:turn % 3]:
                started = time.perf_counter()
                tokens = await call(side, messages, seed)
                wall = time.perf_counter() - started
                before = totals.get((kind, side), (0, 0.0))
                totals[(kind, side)] = (before[0] + tokens, before[1] + wall)
            turn += 1
    return totals, unparsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=4, help="calls per side and set (default 4)")
    parser.add_argument("--max-tokens", type=int, default=96,
                        help="max_tokens per call (default 96)")
    args = parser.parse_args()
    print(f"{machine()}; SmolLM2-135M Q4_1, {args.calls} calls per side and set, "
          f"max_tokens {args.max_tokens}, temperature {TEMPERATURE}\n")
    print(markdown_header(COLUMNS), flush=True)
    sets = {kind: prompts(kind, args.calls) for kind in ("distinct", "shared")}
    with tempfile.TemporaryDirectory() as tmp:
        totals, unparsed = asyncio.run(compare(sets, args.max_tokens, Path(tmp)))
    ratios = []
    for kind in sets:
        base_tokens, base_wall = totals[(kind, SIDES[0])]
        for side in SIDES:
            tokens, wall = totals[(kind, side)]
            ratio = (tokens / wall) / (base_tokens / base_wall)
            if side == "gateway":
                ratios.append(ratio)
            print(markdown_row([kind, side, len(sets[kind]), tokens, round(wall, 2),
                                round(tokens / wall, 1), f"{ratio:.0%}", load().split()[1]]))
    print(f"\ngateway answers that stopped before max_tokens and did not parse: {len(unparsed)}")
    worst = min(ratios)
    print(f"gateway / direct without grammar: {worst:.0%} at worst; target >= {TARGET:.0%}: "
          f"{'met' if worst >= TARGET else 'missed'}")


if __name__ == "__main__":
    main()
