"""The agent turn: its JSON contract (docs/study.md section 2), robust parsing and repair.

Every agent reply must be one JSON object with role, abstain, contribution, follows, builds_on.
Providers that support constrained decoding get TURN_SCHEMA; the rest are asked in the prompt.
A malformed reply is repaired where it can be (code fences, prose around the object, a reply
cut off by max_tokens, single quotes, trailing commas); otherwise it is kept as a parse failure
(parse_ok = False, the raw text as contribution), never dropped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from selforg.roles import normalise_role

# Key order matters: a reply cut off by max_tokens loses its end, so the contribution comes
# right after the short fields and the link lists (which small models tend to pad) come last;
# role length and list sizes are capped in the grammar for the same reason.
TURN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "role": {"type": "string", "maxLength": 60},
        "abstain": {"type": "boolean"},
        "contribution": {"type": "string"},
        "follows": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        "builds_on": {"type": "array", "items": {"type": "integer"}, "maxItems": 8},
    },
    "required": ["role", "abstain", "contribution", "follows", "builds_on"],
}

TURN_INSTRUCTIONS = (
    'Reply with one JSON object and nothing else: {"role": "<the role you take>", '
    '"abstain": <true if you add nothing>, "contribution": "<your work>", '
    '"follows": <id of the agent whose direction you accept, or null>, '
    '"builds_on": [<ids of agents whose work you use>]}'
)


@dataclass
class ParsedTurn:
    """An agent's reply after parsing. `ok` is False when nothing could be recovered."""

    role: str
    abstain: bool
    follows: int | None
    builds_on: list[int] = field(default_factory=list)
    contribution: str = ""
    ok: bool = True

    @property
    def role_norm(self) -> str:
        return normalise_role(self.role)


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def _close_truncated(text: str) -> str:
    """Close an object cut off mid-way: an open string, then open arrays and braces."""
    stack: list[str] = []
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]" and stack:
            stack.pop()
    repaired = text + ('"' if in_string else "")
    repaired = re.sub(r",\s*$", "", repaired.rstrip())
    repaired = re.sub(r':\s*$', ": null", repaired)
    return repaired + "".join(reversed(stack))


def _candidates(text: str) -> list[str]:
    text = text.strip()
    found = [text]
    found += [m.strip() for m in _FENCE.findall(text)]
    start = text.find("{")
    if start >= 0:
        end = text.rfind("}")
        if end > start:
            found.append(text[start : end + 1])
        found.append(_close_truncated(text[start:]))
    more = [_TRAILING_COMMA.sub(r"\1", c) for c in found]
    more += [c.replace("'", '"') for c in more]
    return found + more


def load_object(text: str) -> dict[str, Any] | None:
    """The first JSON object the text holds after the repairs above; None if there is none."""
    for candidate in _candidates(text):
        try:
            value = json.loads(candidate, strict=False)
        except (json.JSONDecodeError, ValueError):
            continue
        if isinstance(value, dict):
            return value
    return None


def as_int(value: Any) -> int | None:
    """An agent id as models write it (3, 3.0, "3", "agent 3"); booleans are not ids."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        digits = re.search(r"-?\d+", value)
        return int(digits.group()) if digits else None
    return None


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "1"}
    return bool(value)


def parse_turn(text: str | None, n_agents: int) -> ParsedTurn:
    """Parse an agent reply; agent ids outside 0..n_agents-1 are dropped from the links."""
    obj = load_object(text or "")
    if obj is None:
        return ParsedTurn(role="", abstain=False, follows=None, contribution=text or "", ok=False)
    valid = range(n_agents)
    follows = as_int(obj.get("follows"))
    raw_links = obj.get("builds_on")
    links = raw_links if isinstance(raw_links, list) else [raw_links]
    builds_on = sorted({i for i in (as_int(v) for v in links) if i is not None and i in valid})
    contribution = obj.get("contribution")
    return ParsedTurn(
        role=str(obj.get("role") or "").strip(),
        abstain=_as_bool(obj.get("abstain", False)),
        follows=follows if follows in valid else None,
        builds_on=builds_on,
        contribution=contribution.strip() if isinstance(contribution, str) else "",
        ok=True,
    )
