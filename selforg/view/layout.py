"""The frame every viewer and rating page shares: inline CSS, a header, escaping helpers.

Pages reference nothing outside themselves but sibling pages of the site (no CDN, font or
image URL), so a bundle works offline from file://. Every value shown is escaped here or by
`e`; no page builds markup from data any other way.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

CSS = """
body { font-family: system-ui, sans-serif; margin: 0; color: #222; line-height: 1.4; }
header { background: #24416f; color: #fff; padding: 0.5rem 1rem; display: flex; gap: 1.2rem;
         align-items: baseline; }
header a { color: #fff; } header .title { font-weight: 600; }
main { padding: 0.5rem 1rem 2rem; max-width: 110rem; }
table { border-collapse: collapse; font-size: 0.88rem; margin: 0.5rem 0; }
th, td { border: 1px solid #d4d4d4; padding: 0.2rem 0.45rem; text-align: left;
         vertical-align: top; }
th { background: #f1f3f6; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { white-space: pre-wrap; word-break: break-word; background: #f7f7f7;
      border: 1px solid #e2e2e2; padding: 0.4rem 0.6rem; margin: 0.3rem 0; font-size: 0.85rem; }
form.filters { display: flex; flex-wrap: wrap; gap: 0.6rem; align-items: end; margin: 0.6rem 0; }
form.filters label { display: flex; flex-direction: column; font-size: 0.8rem; }
.turn { border: 1px solid #d9dee6; border-left: 4px solid #4a78c2; margin: 0.6rem 0;
        padding: 0.3rem 0.7rem; }
.turn.abstained { border-left-color: #aaa; } .turn.removed { border-left-color: #c0392b; }
.turn.idle { border-left-color: #ddd; } .turn.assembly { border-left-color: #2e8b57; }
.meta { font-size: 0.82rem; color: #555; }
.badge { display: inline-block; font-size: 0.75rem; padding: 0 0.35rem; border-radius: 0.6rem;
         background: #eef; margin-left: 0.3rem; } .badge.bad { background: #fde2e0; }
details > summary { cursor: pointer; color: #24416f; font-size: 0.85rem; }
.message-role { font-size: 0.78rem; font-weight: 600; text-transform: uppercase; color: #666; }
.legend .key { margin-right: 1rem; font-size: 0.8rem; } svg.org { background: #fcfcfd;
               border: 1px solid #e4e4e4; max-width: 100%; height: auto; }
.pager a, .pager span { margin-right: 0.6rem; } .note { color: #666; font-size: 0.85rem; }
.compare { display: flex; gap: 0.5rem; } .compare iframe { flex: 1; height: 85vh;
           border: 1px solid #ccc; }
fieldset { border: 1px solid #d4d4d4; margin: 0.6rem 0; } fieldset label { display: block; }
.answer { max-height: 40rem; overflow: auto; }
dl.summary { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr));
             gap: 0.3rem 1.2rem; margin: 0.5rem 0; }
dl.summary dt { font-size: 0.75rem; color: #666; } dl.summary dd { margin: 0; }
"""


def e(value: Any) -> str:
    """A value as escaped text ("" for None)."""
    return "" if value is None else escape(str(value))


def num(value: Any, digits: int = 3) -> str:
    """A number for a table cell, or an en dash when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "&ndash;"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{float(value):,.{digits}f}"


def page(title: str, body: str, *, up: str = "", nav: str = "", script: str = "") -> str:
    """A whole HTML page. `up` is the relative path to the site root ("" or "../")."""
    links = nav or f'<a href="{up}index.html">study</a>'
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{e(title)}</title><style>{CSS}</style></head><body>"
            f"<header><span class=\"title\">selforg</span>{links}</header>"
            f"<main>{body}</main>{script}</body></html>\n")
