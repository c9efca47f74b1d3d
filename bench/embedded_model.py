"""The embedded model through the gateway against llama.cpp called directly: tokens per second.

    .venv/bin/python bench/embedded_model.py [--calls 3] [--max-tokens 48]

Both sides make the same `--calls` agent-like calls one after another, with the same
messages, max_tokens, temperature, seed and response format (the turn JSON schema as the
grammar, which is what selforg sends for `local/…`):

- direct: `llama_cpp.Llama.create_chat_completion` on an instance built by
  `selforg.llm.local._Instance`, so its Llama kwargs (context, all cores for generation and
  batch) and its LlamaRAMCache prefix cache are exactly the provider's;
- gateway: `Gateway.complete` on `local/smollm2-135m` with a fresh call cache (no hits): cache
  key, budget, litellm routing, the provider's thread hop and its lock.

Each side has its own instance and warms it with one constrained call first; then the two
sides take turns call by call (which goes first alternates), so the load of this shared
machine, which moves a lot within minutes, hits both alike. Two prompt sets:
"distinct" prompts differ from their first word, so neither side reuses a prefix beyond the
chat template's; "shared" prompts share a long task text and differ only in the agent's
identity at the end (how selforg builds agent prompts), so the prefix cache is in play on
both sides. tokens/s = completion tokens / wall time of the calls. Target: gateway >= 90% of
direct.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import load, machine, markdown_header, markdown_row, scripted_study, write_params

from selforg.config import ModelSpec, load_config
from selforg.llm.cache import CallCache
from selforg.llm.gateway import Gateway
from selforg.llm.local import _Instance
from selforg.llm.local_models import LOCAL_MODELS
from selforg.protocols.turn import TURN_SCHEMA

TEMPERATURE = 0.7
TOPICS = ["hospital records", "warehouse robots", "school timetable", "river flood plan",
          "bakery supply chain", "museum lighting", "bus network", "clinic triage",
          "solar farm", "library archive", "port logistics", "city composting"]
TASK = ("Plan the migration of a hospital's patient records to a new system across IT, legal "
        "compliance and clinical operations. Name the owner, the deadline and the main risk of "
        "each step, keep patient care running throughout, and say how success is measured. ")
COLUMNS = ["prompts", "side", "calls", "completion tokens", "wall s", "tokens/s",
           "gateway / direct", "load (1 min)"]
TARGET = 0.9


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
                  root: Path) -> dict[tuple[str, str], tuple[int, float]]:
    """(prompt set, side) -> (completion tokens, wall s), the two sides interleaved call by
    call (which goes first alternates), so a change in the machine's load hits both alike."""
    llama = _Instance(LOCAL_MODELS["smollm2-135m"]()).llama
    gateway, spec = gateway_for(root)
    fmt: dict[str, Any] = {"type": "json_object", "schema": TURN_SCHEMA}
    warm = [{"role": "user", "content": "Warm up: reply in JSON."}]

    def call_direct(messages: list[dict[str, str]], seed: int) -> int:
        call: dict[str, Any] = {"messages": messages, "max_tokens": max_tokens,
                                "temperature": TEMPERATURE, "seed": seed,
                                "response_format": fmt}
        out: Any = llama.create_chat_completion(**call)
        return int(out["usage"]["completion_tokens"])

    async def call_gateway(messages: list[dict[str, str]], seed: int) -> int:
        result = await gateway.complete(spec, messages, max_tokens=max_tokens,
                                        temperature=TEMPERATURE, json_schema=TURN_SCHEMA,
                                        seed=seed)
        if result.error is not None or result.cached:
            raise SystemExit(f"gateway call not fresh or failed: {result.error}")
        return result.completion_tokens

    call_direct(warm, 999)
    await call_gateway(warm, 999)
    totals: dict[tuple[str, str], tuple[int, float]] = {}
    for kind, calls in sets.items():
        for seed, messages in enumerate(calls):
            sides = ["direct", "gateway"] if seed % 2 == 0 else ["gateway", "direct"]
            for side in sides:
                started = time.perf_counter()
                tokens = (call_direct(messages, seed) if side == "direct"
                          else await call_gateway(messages, seed))
                wall = time.perf_counter() - started
                before = totals.get((kind, side), (0, 0.0))
                totals[(kind, side)] = (before[0] + tokens, before[1] + wall)
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=3, help="calls per side and set (default 3)")
    parser.add_argument("--max-tokens", type=int, default=48,
                        help="max_tokens per call (default 48)")
    args = parser.parse_args()
    print(f"{machine()}; SmolLM2-135M Q4_1, {args.calls} calls per side, "
          f"max_tokens {args.max_tokens}, temperature {TEMPERATURE}\n")
    print(markdown_header(COLUMNS), flush=True)
    sets = {kind: prompts(kind, args.calls) for kind in ("distinct", "shared")}
    with tempfile.TemporaryDirectory() as tmp:
        totals = asyncio.run(compare(sets, args.max_tokens, Path(tmp)))
    for kind in sets:
        d_tokens, d_wall = totals[(kind, "direct")]
        g_tokens, g_wall = totals[(kind, "gateway")]
        ratio = (g_tokens / g_wall) / (d_tokens / d_wall)
        for side, tokens, wall in (("direct", d_tokens, d_wall),
                                   ("gateway", g_tokens, g_wall)):
            print(markdown_row([kind, side, len(sets[kind]), tokens, round(wall, 2),
                                round(tokens / wall, 1),
                                f"{ratio:.0%}" if side == "gateway" else "",
                                load().split()[1]]))
    print(f"\ntarget: gateway >= {TARGET:.0%} of direct tokens/s")


if __name__ == "__main__":
    main()
