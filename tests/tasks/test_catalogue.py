"""The domain catalogue: coverage, material, and loud failure for thin domains."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from selforg.errors import SelforgError
from selforg.tasks import DOMAINS
from selforg.tasks.catalogue import CATALOGUE, get_domain
from selforg.tasks.domain import Fact

REQUIRED = {
    "security",
    "cloud infrastructure",
    "finance",
    "legal and compliance",
    "HR",
    "healthcare operations",
    "supply chain",
    "marketing",
    "data and ML",
    "public policy",
    "education",
    "energy",
}


def test_catalogue_has_the_required_domains() -> None:
    assert len(DOMAINS) >= 12
    assert set(DOMAINS) >= REQUIRED


def test_every_domain_offers_material_for_every_kind() -> None:
    for domain in CATALOGUE.values():
        assert len(domain.organisations) >= 5
        assert len(domain.cost_items) >= 5
        assert len(domain.options) >= 6
        assert len(domain.activities) >= 7
        assert len({s.stance for s in domain.stakeholders}) == len(domain.stakeholders)


def test_short_phrases_stay_short() -> None:
    """Lists of these go into prompts ten at a time; long entries would blow the word budget."""
    for domain in CATALOGUE.values():
        assert all(len(a.split()) <= 7 for a in domain.actions), domain.name
        assert all(len(a.split()) <= 6 for a in domain.activities), domain.name
        assert all(len(o.name.split()) <= 5 for o in domain.options), domain.name
        assert all(len(s.goal.split()) <= 10 for s in domain.stakeholders), domain.name


def test_a_thin_domain_fails_at_definition() -> None:
    domain = CATALOGUE["security"]
    with pytest.raises(ValueError, match="actions has 2 entries"):
        replace(domain, actions=domain.actions[:2])
    with pytest.raises(ValueError, match="duplicate"):
        replace(domain, systems=(domain.systems[0],) * 6)


def test_fact_numbers_stay_in_range_and_read_naturally() -> None:
    fact = Fact("{n:,} homes", 2000, 60000)
    rng = random.Random(0)
    for _ in range(200):
        n = int(fact.render(rng).split()[0].replace(",", ""))
        assert 2000 <= n <= 60000
        assert len(str(n).rstrip("0")) <= 2, n  # two significant digits


def test_unknown_domain_lists_the_known_ones() -> None:
    assert get_domain("energy").name == "energy"
    with pytest.raises(SelforgError, match="unknown task domain 'astrology'") as err:
        get_domain("astrology")
    assert "security" in str(err.value)
