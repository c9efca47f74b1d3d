"""The context budget: a view never exceeds its budget, counted in the reading model's tokens,
and favours recent work in full."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selforg.llm.tokens import token_counter
from selforg.protocols.view import NOTE_TOKENS, ContextBudget, ViewItem

LOCAL = "local/smollm2-135m"
HOSTED = "scripted/any"  # every non-local model counts with litellm's token_counter
COUNTERS = [LOCAL, HOSTED]


def items(n: int, length: int = 400, filler: str = "x") -> list[ViewItem]:
    return [ViewItem(i, f"role {i}", f"Sentence one of agent {i}. " + filler * length)
            for i in range(n)]


def budget(tokens: int, model: str = LOCAL) -> ContextBudget:
    return ContextBudget(tokens, token_counter(model))


def test_recent_items_in_full_older_as_digest() -> None:
    view = budget(600).fit_view(items(20, 100))
    assert "x" * 100 in view.split("[agent 19")[1]
    assert "[agent 0" in view or "omitted" in view


@pytest.mark.parametrize("model", COUNTERS)
def test_256_agents_stay_within_budget_in_the_models_tokens(model: str) -> None:
    fitted = budget(256, model)
    view = fitted.fit_view(items(256, 300, filler="{\"k\": 7} "))
    assert fitted.count(view) <= 256
    assert "omitted" in view


def test_budget_is_counted_in_tokens_not_characters() -> None:
    """SmolLM2 splits JSON-ish text at about 2 characters per token: a 4-characters-per-token
    estimate would show twice the budget; the real count keeps the view within it."""
    fitted = budget(200)
    view = fitted.fit_view(items(8, 10, filler="{\"a\":1,"))
    assert "{\"a\":1," * 10 in view
    assert len(view) / 4 * 1.5 < fitted.count(view) <= 200


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 300), st.integers(0, 1500), st.integers(128, 2000),
       st.sampled_from(COUNTERS), st.sampled_from(["x", "é ", "{\"a\":1}", "word "]))
def test_never_over_budget(n: int, length: int, tokens: int, model: str, filler: str) -> None:
    fitted = budget(tokens, model)
    assert fitted.count(fitted.fit_view(items(n, length, filler))) <= tokens


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=200), max_size=80), st.integers(NOTE_TOKENS + 8, 600),
       st.sampled_from(COUNTERS))
def test_fit_lines_keeps_order_within_budget(lines: list[str], tokens: int, model: str) -> None:
    fitted = budget(tokens, model)
    view = fitted.fit_lines(lines, omitted="facts")
    assert fitted.count(view) <= tokens

    def shown(kept: int) -> str:
        """The first `kept` lines in order, then the count of the rest (lines may hold
        newlines themselves, so the view is compared whole rather than split)."""
        rest = len(lines) - kept
        return "\n".join(lines[:kept] + ([f"({rest} more facts omitted for length)"] * (rest > 0)))

    assert any(view == shown(kept) for kept in range(len(lines) + 1))


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=3000), st.integers(4, 400), st.sampled_from(COUNTERS))
def test_clip_keeps_a_prefix_within_budget(text: str, tokens: int, model: str) -> None:
    fitted = budget(tokens, model)
    clipped = fitted.clip(text)
    assert fitted.count(clipped) <= tokens
    assert clipped == text or text.startswith(clipped.removesuffix("...").rstrip()[:len(text)])


def test_empty() -> None:
    assert budget(500).fit_view([]) == ""
