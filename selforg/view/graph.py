"""A run's organisation as a picture: who followed or built on whom, as inline SVG.

One node per agent (the assembly call is not an agent). Agents are laid out in layers by
their place in the reporting lines: layer 0 follows nobody, layer k follows an agent of layer
k - 1 (the `follows` of its last turn that names one), so a coordinator sits above its
workers and a flat team is one layer; a layer wider than `COLUMNS` wraps onto more rows.
`follows` links are dark straight arrows from follower to leader; `builds_on` links are
light curved arrows from the agent to the agent whose work it used. A node's fill says what
its last turn was: a contribution, an abstention, an idle order from a coordinator, or an
agent removed by a shock. Laid out here rather than by a graph library: nothing to install,
and the picture is the same in a bundle opened offline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

COLUMNS = 16
STEP_X, STEP_Y, RADIUS, MARGIN = 46, 72, 14, 30
STATES = {  # state: (fill, stroke, dash, legend)
    "contributed": ("#4a78c2", "#24416f", "", "contributed"),
    "abstained": ("#d9d9d9", "#777", "", "abstained (its choice)"),
    "idle": ("#f4f4f4", "#999", "3 2", "idle (told by its manager)"),
    "removed": ("#fff", "#c0392b", "2 2", "removed by a shock"),
}


def _state(turn: Mapping[str, Any]) -> str:
    if turn["removed"]:
        return "removed"
    if turn["directed"]:
        return "idle"
    return "abstained" if turn["abstain"] else "contributed"


def _links(turns: Sequence[Mapping[str, Any]], agents: set[int]) -> tuple[
        dict[int, int], set[tuple[int, int]], set[tuple[int, int]]]:
    """(leader of each agent, follows edges, builds_on edges), only between known agents."""
    leader: dict[int, int] = {}
    follows: set[tuple[int, int]] = set()
    builds: set[tuple[int, int]] = set()
    for t in turns:
        a = int(t["agent"])
        f = t["follows"]
        if f is not None and int(f) in agents and int(f) != a:
            leader[a] = int(f)
            follows.add((a, int(f)))
        for b in t["builds_on"]:
            if int(b) in agents and int(b) != a:
                builds.add((a, int(b)))
    return leader, follows, builds


def _depths(agents: Sequence[int], leader: Mapping[int, int]) -> dict[int, int]:
    """Layer of each agent: 1 + its leader's, 0 without one; a cycle is cut where it closes."""
    depth: dict[int, int] = {}
    for agent in agents:
        path: list[int] = []
        at = agent
        while at not in depth and at not in path and at in leader:
            path.append(at)
            at = leader[at]
        if at not in depth:  # the top of the chain, or the agent where a cycle closes
            depth[at] = 0
        for member in reversed(path):
            if member not in depth:
                depth[member] = depth[leader[member]] + 1
    return depth


def _positions(agents: Sequence[int], depth: Mapping[int, int]) -> dict[int, tuple[float, float]]:
    rows: list[list[int]] = []
    for layer in sorted(set(depth.values())):
        members = sorted(a for a in agents if depth[a] == layer)
        rows.extend(members[i:i + COLUMNS] for i in range(0, len(members), COLUMNS))
    width = max(len(r) for r in rows)
    pos: dict[int, tuple[float, float]] = {}
    for y, row in enumerate(rows):
        shift = (width - len(row)) * STEP_X / 2
        for x, agent in enumerate(row):
            pos[agent] = (MARGIN + shift + x * STEP_X, float(MARGIN + y * STEP_Y))
    return pos


def _edge(a: tuple[float, float], b: tuple[float, float], curved: bool) -> str:
    """A path from node a to node b, ending at b's rim; curved ones bulge to one side."""
    (x1, y1), (x2, y2) = a, b
    dx, dy = x2 - x1, y2 - y1
    length = max((dx * dx + dy * dy) ** 0.5, 1e-9)
    ux, uy = dx / length, dy / length
    sx, sy = x1 + ux * RADIUS, y1 + uy * RADIUS
    ex, ey = x2 - ux * (RADIUS + 2), y2 - uy * (RADIUS + 2)
    if not curved:
        return f"M{sx:.1f},{sy:.1f} L{ex:.1f},{ey:.1f}"
    bend = max(18.0, min(0.35 * length, 60.0))
    cx, cy = (sx + ex) / 2 + uy * bend, (sy + ey) / 2 - ux * bend
    return f"M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {ex:.1f},{ey:.1f}"


def organisation_svg(turns: Sequence[Mapping[str, Any]]) -> str:
    """The SVG of a run's agent turns (rows of the turns table); "" when it has none."""
    agent_turns = [t for t in turns if int(t["agent"]) >= 0]
    if not agent_turns:
        return ""
    last: dict[int, Mapping[str, Any]] = {}
    for t in agent_turns:
        last[int(t["agent"])] = t
    agents = sorted(last)
    leader, follows, builds = _links(agent_turns, set(agents))
    pos = _positions(agents, _depths(agents, leader))
    width = max(x for x, _ in pos.values()) + MARGIN
    height = max(y for _, y in pos.values()) + MARGIN
    out = [f'<svg class="org" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
           f'aria-label="organisation of {len(agents)} agents">',
           '<defs><marker id="arrow-f" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#222"/></marker>'
           '<marker id="arrow-b" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
           'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#7fa7d9"/>'
           '</marker></defs>']
    for a, b in sorted(builds):
        out.append(f'<path class="builds-on" d="{_edge(pos[a], pos[b], True)}" fill="none" '
                   f'stroke="#7fa7d9" stroke-width="1.2" marker-end="url(#arrow-b)">'
                   f"<title>agent {a} builds on agent {b}</title></path>")
    for a, b in sorted(follows):
        out.append(f'<path class="follows" d="{_edge(pos[a], pos[b], False)}" stroke="#222" '
                   f'stroke-width="1.6" marker-end="url(#arrow-f)">'
                   f"<title>agent {a} follows agent {b}</title></path>")
    for agent in agents:
        t = last[agent]
        state = _state(t)
        fill, stroke, dash, legend = STATES[state]
        x, y = pos[agent]
        role = escape(str(t["role"] or "no role"))
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        text = "#fff" if state == "contributed" else "#333"
        out.append(f'<g class="agent {state}"><title>agent {agent}: {role} ({legend})</title>'
                   f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{RADIUS}" fill="{fill}" '
                   f'stroke="{stroke}" stroke-width="1.5"{dashed}/>'
                   f'<text x="{x:.1f}" y="{y + 3.5:.1f}" text-anchor="middle" font-size="10" '
                   f'fill="{text}">{agent}</text></g>')
    out.append("</svg>")
    return "".join(out)


def legend_html() -> str:
    """The picture's key, as HTML beside it."""
    swatches = "".join(
        f'<span class="key"><svg width="14" height="14"><circle cx="7" cy="7" r="6" fill="{f}" '
        f'stroke="{s}"{f" stroke-dasharray={chr(34)}{d}{chr(34)}" if d else ""}/></svg> {label}'
        "</span>" for f, s, d, label in STATES.values())
    return (f'<p class="legend">{swatches}<span class="key"><b>&#8594;</b> follows (dark, '
            "straight)</span><span class=\"key\" style=\"color:#4d7fc0\"><b>&#8631;</b> builds on "
            "(light, curved)</span></p>")
