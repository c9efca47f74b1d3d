"""Property tests where the semantics are crisp: ranges, identities and brute-force equivalents."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from selforg.analysis import metrics, stats


@given(hs.lists(hs.integers(0, 1000), min_size=1, max_size=60).filter(lambda c: sum(c) > 0))
def test_gini_is_in_unit_interval_and_matches_the_pairwise_formula(counts: list[int]) -> None:
    value = metrics.gini(counts)
    assert value is not None
    assert 0.0 <= value < 1.0
    x = np.asarray(counts, dtype=float)
    pairwise = np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean())
    assert value == pytest.approx(pairwise, abs=1e-12)


@hs.composite
def follows_maps(draw: hs.DrawFn) -> dict[int, int | None]:
    n = draw(hs.integers(1, 25))
    target = hs.one_of(hs.none(), hs.integers(-2, n + 2))
    return {agent: draw(target) for agent in range(n)}


def _brute_force_depth(follows: dict[int, int | None]) -> int:
    """Walk from every agent until a missing link, an unknown agent or a repeat."""
    best = 0
    for start in follows:
        seen: list[int] = []
        node: int | None = start
        while node is not None and node in follows and node not in seen:
            seen.append(node)
            node = follows[node]
        best = max(best, len(seen))
    return best


@given(follows_maps())
def test_hierarchy_depth_is_bounded_and_matches_brute_force(follows: dict[int, int | None]) -> None:
    depth = metrics.hierarchy_depth(follows)
    assert 1 <= depth <= len(follows)
    assert depth == _brute_force_depth(follows)


@hs.composite
def transcripts(draw: hs.DrawFn) -> pd.DataFrame:
    rows = []
    for run in range(draw(hs.integers(1, 4))):
        rounds = draw(hs.integers(1, 3))
        for agent, round_ in itertools.product(range(draw(hs.integers(1, 6))), range(rounds)):
            rows.append(
                {
                    "run_id": f"r{run}",
                    "agent": agent,
                    "round": round_,
                    "abstain": draw(hs.booleans()),
                    "directed": draw(hs.booleans()),
                }
            )
        rows.append({"run_id": f"r{run}", "agent": -1, "round": rounds, "abstain": False,
                     "directed": False})
    return pd.DataFrame(rows)


@settings(max_examples=50, deadline=None)
@given(transcripts())
def test_abstention_rates_are_shares_that_add_up(turns: pd.DataFrame) -> None:
    rates = metrics.abstention_rates(turns)
    for column in ("abstention_rate", "voluntary_rate", "directed_rate"):
        assert rates[column].between(0, 1).all()
    total = rates["voluntary_rate"] + rates["directed_rate"]
    assert total.to_numpy() == pytest.approx(rates["abstention_rate"].to_numpy())
    assert (rates["n_voluntary"] + rates["n_directed"] == rates["n_abstained"]).all()


@given(hs.lists(hs.floats(0, 1), min_size=1, max_size=30))
def test_holm_is_at_least_raw_at_most_one_and_monotone(pvalues: list[float]) -> None:
    adjusted = stats.holm(pvalues)
    assert all(a is not None and p <= a <= 1.0 for p, a in zip(pvalues, adjusted, strict=True))
    ranked = sorted(zip(pvalues, adjusted, strict=True))
    assert all(lo[1] <= hi[1] for lo, hi in itertools.pairwise(ranked))


@settings(max_examples=50, deadline=None)
@given(hs.lists(hs.sampled_from(["a", "b", ""]), min_size=2, max_size=20))
def test_role_stability_index_is_a_share(roles: list[str]) -> None:
    frame = pd.DataFrame(
        {"cell": "c", "task_index": range(len(roles)), "agent": 0, "role_norm": roles}
    )
    stat = metrics.role_stability_index(frame)
    if stat.computable:
        assert stat.value is not None and 0.0 <= stat.value <= 1.0
    else:
        assert "fewer than 2" in stat.note
