"""The one multiplicity policy: Holm over the confirmatory family, BH over the rest, once each."""

from __future__ import annotations

import pytest

from selforg.analysis.multiplicity import BH, CONFIRMATORY, EXPLORATORY, HOLM, adjust
from selforg.analysis.result import Stat, not_computable
from selforg.analysis.stats import benjamini_hochberg, holm


def a_test(p: float | None) -> Stat:
    return Stat(value=1.0, p=p, n=10, test="t") if p is not None else not_computable("x")


def test_confirmatory_is_holm_and_exploratory_is_bh_across_everything() -> None:
    exploratory = [("pair:a_vs_b", a_test(0.01)), ("pair:a_vs_b@m/n4", a_test(0.04)),
                   ("scaling:x:slope", a_test(0.03)), ("omnibus", a_test(None))]
    confirmatory = [("claim:one", a_test(0.02), None), ("claim:two", a_test(0.04), None),
                    ("claim:three", None, None)]
    result = adjust(exploratory, confirmatory)
    holm_p = holm([0.02, 0.04])
    assert result.get("claim:one").p_adj == pytest.approx(holm_p[0])
    assert result.get("claim:two").p_adj == pytest.approx(holm_p[1])
    assert result.get("claim:one").method == HOLM and result.get("claim:one").m == 2
    assert result.get("claim:one").family == CONFIRMATORY
    assert result.get("claim:three") is None  # not measured: in no family
    bh_p = benjamini_hochberg([0.01, 0.04, 0.03])
    for (key, _), expected in zip(exploratory[:3], bh_p, strict=True):
        found = result.get(key)
        assert found.p_adj == pytest.approx(expected)
        assert (found.method, found.family, found.m) == (BH, EXPLORATORY, 3)
    assert result.get("omnibus") is None
    assert result.exploratory_size == 3
    assert result.confirmatory == ("claim:one", "claim:two", "claim:three")


def test_the_same_test_is_adjusted_once_as_confirmatory() -> None:
    exploratory = [("pair:a_vs_b@m/n16/L3", a_test(0.01)), ("pair:c_vs_d", a_test(0.2))]
    confirmatory = [("claim:one", a_test(0.01), "pair:a_vs_b@m/n16/L3")]
    result = adjust(exploratory, confirmatory)
    assert result.get("pair:a_vs_b@m/n16/L3") == result.get("claim:one")
    assert result.get("pair:c_vs_d").m == 1  # the duplicate is not in the BH family


def test_aliases_count_one_test_reported_twice_once() -> None:
    exploratory = [("pair:a_vs_b", a_test(0.01)), ("pair:a_vs_b@m/n4", a_test(0.01)),
                   ("pair:c_vs_d", a_test(0.03))]
    result = adjust(exploratory, [], aliases={"pair:a_vs_b@m/n4": "pair:a_vs_b"})
    assert result.get("pair:a_vs_b@m/n4") == result.get("pair:a_vs_b")
    assert result.get("pair:a_vs_b").m == 2
