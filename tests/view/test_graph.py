"""The organisation picture: layers from reporting lines, links drawn, cycles survive."""

from __future__ import annotations

import re
from typing import Any

from selforg.view.graph import _depths, organisation_svg


def turn(agent: int, follows: int | None = None, builds_on: tuple[int, ...] = (),
         **state: bool) -> dict[str, Any]:
    return {"agent": agent, "round": 0, "follows": follows, "builds_on": list(builds_on),
            "role": "r", "abstain": state.get("abstain", False),
            "directed": state.get("directed", False), "removed": state.get("removed", False)}


def test_layers_follow_the_reporting_lines() -> None:
    assert _depths([0, 1, 2, 3], {1: 0, 2: 0, 3: 2}) == {0: 0, 1: 1, 2: 1, 3: 2}
    assert _depths([0, 1, 2], {}) == {0: 0, 1: 0, 2: 0}
    cycle = _depths([0, 1, 2], {0: 1, 1: 0, 2: 1})
    assert set(cycle) == {0, 1, 2} and sorted(cycle.values()) == [0, 1, 2]


def test_picture_has_a_node_per_agent_and_every_link() -> None:
    turns = [turn(0), turn(1, follows=0), turn(2, follows=0, builds_on=(1,)),
             turn(3, follows=0, directed=True, abstain=True), turn(4, removed=True, abstain=True),
             {**turn(-1), "round": 2}]  # the assembly call is not an agent
    svg = organisation_svg(turns)
    assert svg.count('<g class="agent') == 5
    assert svg.count('class="follows"') == 3 and svg.count('class="builds-on"') == 1
    assert '<g class="agent idle">' in svg and '<g class="agent removed">' in svg
    ys = {int(a): float(y) for a, y in re.findall(r"<title>agent (\d+)[^<]*</title><circle "
                                                  r'cx="[\d.]+" cy="([\d.]+)"', svg)}
    assert ys[0] == ys[4] < ys[1] == ys[2] == ys[3]
    assert organisation_svg([{**turn(-1), "round": 0}]) == ""


def test_wide_teams_wrap_and_stay_escaped() -> None:
    turns = [{**turn(a, builds_on=(a - 1,) if a else ()), "role": "<b>x</b>"} for a in range(40)]
    svg = organisation_svg(turns)
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert len(set(re.findall(r'cy="([\d.]+)"', svg))) == 3  # 16 + 16 + 8
