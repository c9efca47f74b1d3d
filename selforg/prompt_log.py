"""The prompt log: the exact messages of every model call, with shared text stored once.

A study at N = 256 sends hundreds of thousands of prompts that are mostly the same text: the
system prompt of a wave, the task, the lines of other agents' work that every later view
quotes again. Each message is therefore stored as a list of *parts* (its lines, each keeping
its newline) and each distinct part once, in a text table keyed by a 64-bit id taken from the
SHA-256 of the text. Joining a call's part ids back to their texts in order gives each
message's content exactly (`messages_of`); the response schema the call was decoded against
is one more text.

Two call tables use this: data/prompts.parquet (agent turns, the coordinator's plan, the
assembly call; keyed like turns by run_id, agent, round) written by run_protocol, and
data/judge_prompts.parquet (keyed like judgments by run_id, judge_model, sample) written by
judge, each with its own text table (selforg.schema). Only the viewer reads them; the
analysis never does. Nothing but message contents and decoding parameters is recorded: keys
travel in request headers, which never reach this log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


def text_id(text: str) -> int:
    """A text's id: the first 8 bytes of its SHA-256 as a signed 64-bit integer (BIGINT)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)


def split_parts(content: str) -> list[str]:
    """A message's lines, each with its newline, so that "".join(parts) == content.

    Lines are the unit other agents' work is quoted in (a view is one line per item header
    and per line of text), so identical lines across calls are stored once. An empty content
    has no parts.
    """
    lines = content.split("\n")
    parts = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        parts.append(lines[-1])
    return parts


def schema_text(json_schema: Mapping[str, Any]) -> str:
    """The response schema as the text stored for it (JSON, key order as given)."""
    return json.dumps(json_schema, ensure_ascii=False)


@dataclass
class PromptLog:
    """Call rows and the distinct texts they point at, built up as calls are made.

    One log per run (the Team's) or per stage (the judge panel's); `merge` combines logs,
    since equal texts have equal ids whichever log saw them first.
    """

    calls: list[dict[str, Any]] = field(default_factory=list)
    texts: dict[int, str] = field(default_factory=dict)

    def intern(self, text: str) -> int:
        key = text_id(text)
        known = self.texts.setdefault(key, text)
        if known != text:  # 2^-64 per pair; never silently merge two texts
            raise ValueError(f"text id collision on {key}: {known[:40]!r} vs {text[:40]!r}")
        return key

    def record(self, key: Mapping[str, Any], messages: Sequence[Mapping[str, str]], *,
               json_schema: Mapping[str, Any] | None, max_tokens: int, temperature: float,
               seeds: Sequence[int]) -> None:
        """Keep one call (or one set of identical calls differing only by seed)."""
        self.calls.append({
            **key,
            "roles": [m["role"] for m in messages],
            "parts": [[self.intern(p) for p in split_parts(m["content"])] for m in messages],
            "response_schema": (self.intern(schema_text(json_schema))
                                if json_schema is not None else None),
            "max_tokens": max_tokens, "temperature": temperature, "seeds": list(seeds),
        })

    def merge(self, texts: Mapping[int, str]) -> None:
        for key, text in texts.items():
            if self.texts.setdefault(key, text) != text:
                raise ValueError(f"text id collision on {key}")

    def text_rows(self, calls: Iterable[Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
        """The text table's rows in order of first use by `calls` (default: this log's calls,
        which a stage sorts as it writes them): a run's own texts are then neighbours in the
        file, and the viewer reads only the row groups holding them. The order depends only
        on the calls, never on the order calls finished in."""
        order: dict[int, None] = {}
        for call in self.calls if calls is None else calls:
            for parts in call["parts"]:
                order.update(dict.fromkeys(parts))
            if call["response_schema"] is not None:
                order[call["response_schema"]] = None
        order.update(dict.fromkeys(sorted(set(self.texts) - set(order))))
        return [{"text_id": k, "text": self.texts[k]} for k in order]


def merged(logs: Iterable[tuple[Sequence[dict[str, Any]], Mapping[int, str]]]) -> PromptLog:
    """One log from many (calls, texts) pairs, e.g. every run's of a stage."""
    out = PromptLog()
    for calls, texts in logs:
        out.calls.extend(calls)
        out.merge(texts)
    return out


def messages_of(call: Mapping[str, Any], texts: Mapping[int, str]) -> list[dict[str, str]]:
    """The call's messages exactly as sent: roles with their parts joined in order."""
    return [{"role": str(role), "content": "".join(texts[int(p)] for p in parts)}
            for role, parts in zip(call["roles"], call["parts"], strict=True)]
