"""The context budget: a view never exceeds its budget and favours recent work in full."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from selforg.protocols.view import ViewItem, approx_tokens, fit_view


def items(n: int, length: int = 400) -> list[ViewItem]:
    return [ViewItem(i, f"role {i}", f"Sentence one of agent {i}. " + "x" * length)
            for i in range(n)]


def test_recent_items_in_full_older_as_digest() -> None:
    view = fit_view(items(20), 600)
    assert "x" * 400 in view.split("[agent 19")[1]
    assert "[agent 0" in view or "omitted" in view


def test_256_agents_stay_within_budget() -> None:
    view = fit_view(items(256, 2000), 900)
    assert approx_tokens(view) <= 900
    assert "omitted" in view


@given(st.integers(0, 300), st.integers(0, 3000), st.integers(128, 4000))
def test_never_over_budget(n: int, length: int, budget: int) -> None:
    assert approx_tokens(fit_view(items(n, length), budget)) <= budget


def test_empty() -> None:
    assert fit_view([], 500) == ""
