"""The report's figures: Vega-Lite specs over the plot tables, rendered offline to SVG.

The report draws its own charts with vl-convert, which bundles Vega and needs no network or
browser (`dvc plots show` has its own offline page: docs/report.md, "Plots offline"). Each
spec is written here, small and explicit; a chart that cannot be drawn (no data, a renderer
error) becomes a Figure without SVG and a note, never a failed stage.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from selforg.reporting.document import Figure

WIDTH, HEIGHT = 360, 220
CAPTIONS = {
    "quality_by_protocol": "Quality Q by protocol, all settings pooled (task means, 95% CI)",
    "quality_by_n": "Quality Q against the number of agents N (95% CI)",
    "cost_by_n": "Tokens per run against N (log-log axes)",
    "quality_by_level": "Quality Q by task level (95% CI)",
    "roles_by_n": "Distinct normalised roles per cell against N",
}


def _values(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON records, NaN as null (Vega-Lite filters nulls out of continuous axes)."""
    records: list[dict[str, Any]] = json.loads(table.to_json(orient="records"))
    return records


def _chart(table: pd.DataFrame, layers: list[dict[str, Any]]) -> dict[str, Any]:
    """A layered chart, one facet column per model when the table has several models."""
    spec: dict[str, Any] = {"width": WIDTH, "height": HEIGHT, "layer": layers}
    if "model" in table and table["model"].nunique() > 1:
        spec = {"facet": {"column": {"field": "model", "type": "nominal"}}, "spec": spec}
    return {"data": {"values": _values(table)}, **spec}


def _n_axis(table: pd.DataFrame) -> dict[str, Any]:
    """N on a log2 axis, ticks at the study's N values only."""
    ticks = sorted(int(n) for n in table["n_agents"].dropna().unique())
    return {"field": "n_agents", "type": "quantitative", "title": "agents N",
            "scale": {"type": "log", "base": 2}, "axis": {"values": ticks, "format": "d"}}


def _by_n(table: pd.DataFrame, y: str, title: str, log_y: bool = False,
          ci: bool = True) -> dict[str, Any]:
    """Lines and points of `y` against N, coloured by protocol, with CI rules if present."""
    y_axis: dict[str, Any] = {"field": y, "type": "quantitative", "title": title}
    if log_y:
        y_axis["scale"] = {"type": "log"}
    else:
        y_axis["scale"] = {"zero": False}
    colour = {"field": "protocol", "type": "nominal"}
    layers: list[dict[str, Any]] = [
        {"mark": {"type": "line", "point": True},
         "encoding": {"x": _n_axis(table), "y": y_axis, "color": colour}},
    ]
    if ci:
        layers.append({"mark": "rule", "encoding": {
            "x": _n_axis(table), "y": {"field": "ci_low", "type": "quantitative"},
            "y2": {"field": "ci_high"}, "color": colour}})
    return _chart(table, layers)


def specs(tables: dict[str, pd.DataFrame]) -> dict[str, dict[str, Any]]:
    """The Vega-Lite spec of every figure, by plot name."""
    colour = {"field": "protocol", "type": "nominal"}
    protocol_q = {"field": "q", "type": "quantitative", "title": "Q",
                  "scale": {"zero": False}}
    return {
        "quality_by_protocol": _chart(tables["quality_by_protocol"], [
            {"mark": {"type": "point", "filled": True}, "encoding": {
                "y": {"field": "protocol", "type": "nominal", "sort": None},
                "x": protocol_q, "color": colour}},
            {"mark": "rule", "encoding": {
                "y": {"field": "protocol", "type": "nominal", "sort": None},
                "x": {"field": "ci_low", "type": "quantitative"}, "x2": {"field": "ci_high"},
                "color": colour}},
        ]),
        "quality_by_n": _by_n(tables["quality_by_n"], "q", "Q"),
        "cost_by_n": _by_n(tables["cost_by_n"], "tokens", "tokens per run", log_y=True,
                           ci=False),
        "quality_by_level": _chart(tables["quality_by_level"], [
            {"mark": {"type": "line", "point": True}, "encoding": {
                "x": {"field": "level", "type": "ordinal", "title": "level"},
                "y": protocol_q, "color": colour}},
            {"mark": "rule", "encoding": {
                "x": {"field": "level", "type": "ordinal"},
                "y": {"field": "ci_low", "type": "quantitative"}, "y2": {"field": "ci_high"},
                "color": colour}},
        ]),
        "roles_by_n": _by_n(tables["roles_by_n"], "n_roles_norm", "distinct roles (normalised)",
                            ci=False),
    }


def render(name: str, spec: dict[str, Any], rows: int) -> Figure:
    """One figure as SVG through vl-convert; a Figure with a note when it cannot be drawn."""
    caption = CAPTIONS[name]
    if rows == 0:
        return Figure(name, caption, None, "no data for this figure in this study")
    import vl_convert

    try:
        svg = vl_convert.vegalite_to_svg(json.dumps(spec))
    except (ValueError, RuntimeError) as error:
        return Figure(name, caption, None, f"vl-convert could not render it ({error})")
    return Figure(name, caption, svg)


def render_all(tables: dict[str, pd.DataFrame]) -> dict[str, Figure]:
    """Every figure of the report, by plot name."""
    return {name: render(name, spec, len(tables[name])) for name, spec in specs(tables).items()}
