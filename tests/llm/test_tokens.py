"""Token counts for context budgets: the model's own vocabulary, offline, deterministic."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from selforg.errors import SelforgError
from selforg.llm.tokens import token_counter

JSONISH = '{"role": "analyst", "builds_on": [3, 17], "contribution": "x7-q"}' * 4


def test_local_models_count_with_their_own_vocabulary() -> None:
    """SmolLM2's vocabulary packs JSON-ish text far worse than 4 characters per token."""
    count = token_counter("local/smollm2-135m")
    assert count("") == 0
    assert count(JSONISH) > len(JSONISH) / 3


def test_hosted_models_count_offline_without_hugging_face(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """A Llama-3 name would make litellm fetch a tokenizer from the Hugging Face hub; views
    must not depend on whether a machine can, so the count never touches the network."""
    attempts: list[object] = []

    def no_network(*args: Any, **kwargs: Any) -> None:
        attempts.append(args)  # recorded, since litellm swallows the error and falls back
        raise OSError("network disabled by the test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    llama3 = token_counter("hosted_vllm/meta-llama/Llama-3.1-8B-Instruct")
    generic = token_counter("ollama/some-model")
    assert llama3(JSONISH) == generic(JSONISH) > 0
    assert attempts == []


def test_unknown_local_model_is_a_clear_error() -> None:
    with pytest.raises(SelforgError, match="unknown local model"):
        token_counter("local/no-such-model")
