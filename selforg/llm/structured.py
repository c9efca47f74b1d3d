"""Structured output: how a call that wants JSON asks the model for it.

Three modes, strongest first (`CHAIN`):
- `json_schema`: `response_format={"type": "json_schema", ...}`, the OpenAI form that vLLM,
  llama.cpp's C++ server, LM Studio, Ollama and hosted providers constrain decoding with;
- `json_object`: `response_format={"type": "json_object", "schema": ...}`, JSON mode plus the
  schema in the form llama-cpp-python (in-process and its server) turns into a grammar;
- `prompt`: no response_format; the system message carries the schema and asks for one JSON
  object, and the reply is parsed (and repaired) as free text.

`models[].structured_output` picks one, or `auto` (the default): `json_object` for selforg's
own providers (`local/`, `scripted/`), litellm's capability table for a model it knows on its
own provider, and `json_schema` otherwise (any `api_base` server). Under `auto` the gateway
falls back down the chain, once per model and recorded, when a server refuses a mode (HTTP
400/422, or any error naming `response_format`: llama-cpp-python's server answers a
`json_schema` request with HTTP 500 and a validation error) or accepts it but replies with
something other than a JSON object (a server that ignores the field). The mode a model
settled on is kept in the call cache's SQLite file (`CallCache.set_mode`), so a resumed or
replayed run starts from it and probes nothing again.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from selforg.config import ModelSpec

CHAIN = ("json_schema", "json_object", "prompt")
SELFORG_PROVIDERS = {"local", "scripted"}
# Status codes a server answers a request it will not take with; anything else is refused
# only if its message names the field (see `rejected`).
REFUSAL_STATUS = {400, 422}

PROMPT_INSTRUCTION = ("Reply with exactly one JSON object and nothing else (no code fence, no "
                      "text before or after it). It must match this JSON Schema: {schema}")


def _provider(model: str) -> str:
    return model.split("/", 1)[0] if "/" in model else ""


def start_mode(spec: ModelSpec) -> str:
    """The mode a model's first structured call uses (before any fallback)."""
    if spec.structured_output != "auto":
        return spec.structured_output
    if _provider(spec.model) in SELFORG_PROVIDERS:
        return "json_object"
    if spec.api_base is None:
        known = _litellm_mode(spec.model)
        if known is not None:
            return known
    return "json_schema"


@functools.cache
def _litellm_mode(model: str) -> str | None:
    """What litellm's capability table says a model it knows supports; None if unknown.
    Cached: the gateway asks before every call, and the table does not change in a process."""
    from selforg.llm.providers import import_litellm

    litellm = import_litellm()
    try:
        litellm.get_model_info(model=model)
    except Exception:
        return None
    try:
        if litellm.supports_response_schema(model=model):
            return "json_schema"
        params = litellm.get_supported_openai_params(model=model) or []
    except Exception:
        return None
    return "json_object" if "response_format" in params else "prompt"


def falls_back(spec: ModelSpec) -> bool:
    """Whether refusals move this model down the chain (only `auto`, and never for selforg's
    own providers, whose constrained decoding is known to work)."""
    return spec.structured_output == "auto" and _provider(spec.model) not in SELFORG_PROVIDERS


def chain_from(mode: str) -> tuple[str, ...]:
    """`mode` and the weaker modes after it."""
    return CHAIN[CHAIN.index(mode):]


def response_format(mode: str, schema: dict[str, Any]) -> dict[str, Any] | None:
    if mode == "json_schema":
        return {"type": "json_schema",
                "json_schema": {"name": "reply", "schema": schema, "strict": False}}
    if mode == "json_object":
        return {"type": "json_object", "schema": schema}
    return None


def messages_for(mode: str, messages: list[dict[str, str]],
                 schema: dict[str, Any]) -> list[dict[str, str]]:
    """The messages as sent: in prompt mode the system message also carries the schema."""
    if mode != "prompt":
        return messages
    line = PROMPT_INSTRUCTION.format(schema=json.dumps(schema, separators=(",", ":")))
    if messages and messages[0]["role"] == "system":
        first = {**messages[0], "content": f"{messages[0]['content']}\n\n{line}"}
        return [first, *messages[1:]]
    return [{"role": "system", "content": line}, *messages]


def rejected(exc: BaseException) -> bool:
    """Did the server refuse the request's structured-output field (not fail at random)?"""
    status = getattr(exc, "status_code", None)
    return status in REFUSAL_STATUS or "response_format" in str(exc)


def unconstrained(text: str) -> bool:
    """A reply no JSON constraint produced: it does not open with '{'.

    A constrained decoder always starts the object first; a server that ignored the field
    lets the model start with prose or a code fence. Whether the rest parses is no evidence
    either way: a reply cut off at max_tokens is not JSON, and llama.cpp's JSON grammar lets
    raw newlines into strings, which strict JSON refuses (the turn parser repairs both)."""
    return not text.lstrip().startswith("{")


def describe(spec: ModelSpec, resolved: tuple[str, str] | None) -> str:
    """One line for `selforg plan` and `selforg check`: the mode this model will use."""
    if resolved is not None:
        mode, reason = resolved
        return f"{mode} ({reason})"
    mode = start_mode(spec)
    if spec.structured_output != "auto":
        return f"{mode} (set in params; no fallback)"
    if not falls_back(spec):
        return f"{mode} (auto: constrained decoding of selforg's own provider)"
    rest = chain_from(mode)[1:]
    then = f"; falls back to {' then '.join(rest)} if the server refuses it" if rest else ""
    return f"{mode} (auto, not yet tried against this server{then})"
