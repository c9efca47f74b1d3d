"""`scripted/<name>`: deterministic fake models plugged in through litellm's CustomLLM.

Tests and benchmarks exercise the real path (gateway, litellm, cache, budget, parsing) with a
model whose replies are a Python function of the request. Scripts are registered by name; a
script may raise (for example a litellm.RateLimitError) to inject provider faults. The product
path never needs this module: it is simply one more provider litellm can route to.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from litellm import CustomLLM
from litellm.types.utils import ModelResponse, Usage

from selforg.errors import SelforgError

Script = Callable[[list[dict[str, str]], dict[str, Any]], str]
SCRIPTS: dict[str, Script] = {}


def register_script(name: str, script: Script) -> None:
    """Make `scripted/<name>` answer with `script(messages, optional_params)`."""
    SCRIPTS[name] = script


def _schema(params: dict[str, Any]) -> dict[str, Any]:
    fmt = params.get("response_format") or {}
    return dict(fmt.get("schema") or (fmt.get("json_schema") or {}).get("schema") or {})


def _schema_keys(params: dict[str, Any]) -> set[str]:
    return set(_schema(params).get("properties", {}))


_PLACEHOLDER = {"boolean": True, "integer": 1, "number": 1.0, "string": "text", "array": []}


def _placeholder(schema: dict[str, Any]) -> str:
    """A JSON object with a typed placeholder for each property of a schema selforg's own
    replies do not cover (e.g. `selforg check`'s)."""
    props = schema.get("properties", {})
    return json.dumps({k: _PLACEHOLDER.get(v.get("type")) for k, v in props.items()})


def _digest(messages: list[dict[str, str]]) -> int:
    blob = json.dumps(messages, sort_keys=True).encode()
    return int(hashlib.sha256(blob).hexdigest()[:8], 16)


def _plan(params: dict[str, Any]) -> str:
    """A coordinator plan directing every worker: as many entries as the plan's token cap has
    room for (36 tokens each), each a range of consecutive workers."""
    fmt = params.get("response_format") or {}
    props = (fmt.get("schema") or (fmt.get("json_schema") or {}).get("schema") or {})
    n = props["properties"]["assignments"]["items"]["properties"]["from"]["maximum"]
    entries = max(1, min(n, (int(params.get("max_tokens") or 0) - 32) // 36))
    size = -(-n // entries)
    return json.dumps({"assignments": [
        {"from": first, "to": min(n, first + size - 1), "role": f"specialist {first}",
         "subtask": f"Part {first} of the task."}
        for first in range(1, n + 1, size)
    ]})


def instant(messages: list[dict[str, str]], params: dict[str, Any]) -> str:
    """A plausible, deterministic reply to any selforg request, returned instantly."""
    keys = _schema_keys(params)
    h = _digest(messages)
    if "assignments" in keys:
        return _plan(params)
    if "contribution" in keys:
        match = re.search(r"You are agent (\d+)", messages[-1]["content"])
        agent = int(match.group(1)) if match else 0
        roles = ["analyst", "planner", "reviewer", "engineer", "writer"]
        return json.dumps({
            "role": roles[(agent + h) % len(roles)], "abstain": h % 7 == 0,
            "follows": None, "builds_on": [agent - 1] if agent > 0 else [],
            "contribution": f"Agent {agent} proposes step {h % 97} for the task.",
        })
    if "accuracy" in keys:
        scores = {k: 1 + (h >> i) % 4 for i, k in enumerate(sorted(keys - {"rationale"}))}
        return json.dumps({**scores, "rationale": "scripted judgment"})
    if keys:
        return _placeholder(_schema(params))
    return f"Final deliverable ({h % 1000}): a plan combining the team's contributions."


register_script("instant", instant)
# The same replies under another model string: a judge that is not the studied model.
register_script("instant-judge", instant)


def approx_tokens(text: str) -> int:
    return max(1, len(text) // 4)


class ScriptedLLM(CustomLLM):
    """litellm handler for `scripted/<name>` model strings."""

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        name = kwargs["model"].removeprefix("scripted/")
        if name not in SCRIPTS:
            raise SelforgError(f"no scripted model named {name!r}",
                               f"register it with selforg.llm.scripted.register_script; "
                               f"available: {', '.join(sorted(SCRIPTS))}")
        messages = kwargs["messages"]
        params = dict(kwargs.get("optional_params") or {})
        text = SCRIPTS[name](messages, params)
        response: ModelResponse = kwargs["model_response"]
        response.choices[0].message.content = text
        prompt = approx_tokens("".join(m["content"] for m in messages))
        completion = approx_tokens(text)
        response.usage = Usage(prompt_tokens=prompt,  # type: ignore[attr-defined]
                               completion_tokens=completion, total_tokens=prompt + completion)
        response.model = f"scripted/{name}"
        # A scripted model is free. Saying so on the response is how a provider hands litellm a
        # cost it already knows: litellm then skips its own cost calculation for this response
        # (a third of its post-processing for an instant model).
        response._hidden_params["response_cost"] = 0.0
        return response

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.completion(*args, **kwargs)
