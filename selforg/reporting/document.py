"""A tiny document model rendered twice: Markdown (report.md) and self-contained HTML.

Sections build a list of blocks once; `to_markdown` and `to_html` render the same content, so
the two reports never disagree. The HTML embeds its stylesheet and every figure as inline SVG
and references nothing outside the file (no script, stylesheet, font or image URL), so it
opens offline. Inline markup in text is limited to **bold** and `code`.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from selforg.errors import DataError

CSS = """
body { font-family: system-ui, sans-serif; max-width: 70rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left;
         vertical-align: top; }
th { background: #f3f3f3; }
code { background: #f3f3f3; padding: 0 0.2rem; }
.callout { border-left: 0.3rem solid #c60; background: #fff6ec; padding: 0.5rem 1rem;
           margin: 1rem 0; }
figure { margin: 1rem 0; }
figcaption { font-size: 0.9rem; color: #555; }
"""
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")
# Namespace declarations are URIs, not resources; HTML5 puts inline <svg> in the SVG namespace
# by itself, so they are dropped and the page holds no "http" string at all.
_XMLNS = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Figure:
    """A rendered chart: `svg` is None when it could not be drawn (`note` says why)."""

    name: str
    caption: str
    svg: str | None
    note: str = ""


@dataclass(frozen=True)
class Callout:
    """A warning box (self-judging, judge reliability) at the top of the report."""

    title: str
    items: list[str] = field(default_factory=list)


Block = Heading | Paragraph | Bullets | Table | Figure | Callout


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list[Block], figure_dir: str = "figures") -> str:
    """Markdown; figures are linked as `figure_dir/<name>.svg` (written beside the report)."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"{'#' * block.level} {block.text}")
        elif isinstance(block, Paragraph):
            out.append(block.text)
        elif isinstance(block, Bullets):
            out.append("\n".join(f"- {item}" for item in block.items) or "_none_")
        elif isinstance(block, Table):
            if not block.rows:
                out.append("_no rows_")
                continue
            lines = ["| " + " | ".join(map(_md_cell, block.header)) + " |",
                     "|" + "---|" * len(block.header)]
            lines += ["| " + " | ".join(map(_md_cell, row)) + " |" for row in block.rows]
            out.append("\n".join(lines))
        elif isinstance(block, Figure):
            out.append(f"![{block.caption}]({figure_dir}/{block.name}.svg)" if block.svg
                       else f"_Figure not drawn: {block.note}_")
        else:
            items = "".join(f"\n> - {item}" for item in block.items)
            out.append(f"> **{block.title}**{items}")
    return "\n\n".join(out) + "\n"


_FIGURE_LINK = re.compile(r"!\[([^\]\n]*)\]\(([\w.-]+)/([\w.-]+\.svg)\)")


def inline_figures(markdown: str, figures: Path) -> str:
    """Markdown of `to_markdown` with each figure link replaced by the SVG as a data: URI.

    For viewers that cannot follow a link relative to the report, such as the Prefect UI's
    artifact page (which shows the report as a broken image otherwise). A linked figure that is
    not in `figures` is an error, not a broken image passed off as a report.
    """
    def embed(match: re.Match[str]) -> str:
        caption, directory, name = match.groups()
        svg = figures / name
        if directory != figures.name or not svg.is_file():
            raise DataError(f"the report links {directory}/{name}, which is not in {figures}",
                            "rebuild the report: `dvc repro aggregate`")
        data = base64.b64encode(svg.read_bytes()).decode("ascii")
        return f"![{caption}](data:image/svg+xml;base64,{data})"

    return _FIGURE_LINK.sub(embed, markdown)


def inline_html(text: str) -> str:
    """Escape text, then turn **bold** and `code` into tags."""
    escaped = html.escape(text, quote=False)
    return _BOLD.sub(r"<strong>\1</strong>", _CODE.sub(r"<code>\1</code>", escaped))


def inline_svg(svg: str) -> str:
    """An SVG document as an inline element of an HTML page (no namespace URIs)."""
    return _XMLNS.sub("", svg.split("?>", 1)[-1] if svg.startswith("<?xml") else svg)


def _html_block(block: Block) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{inline_html(block.text)}</h{block.level}>"
    if isinstance(block, Paragraph):
        return f"<p>{inline_html(block.text)}</p>"
    if isinstance(block, Bullets):
        items = "".join(f"<li>{inline_html(i)}</li>" for i in block.items)
        return f"<ul>{items}</ul>" if items else "<p><em>none</em></p>"
    if isinstance(block, Table):
        if not block.rows:
            return "<p><em>no rows</em></p>"
        head = "".join(f"<th>{inline_html(h)}</th>" for h in block.header)
        body = "".join("<tr>" + "".join(f"<td>{inline_html(c)}</td>" for c in row) + "</tr>"
                       for row in block.rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if isinstance(block, Figure):
        if block.svg is None:
            return f"<p><em>Figure not drawn: {inline_html(block.note)}</em></p>"
        return (f"<figure>{inline_svg(block.svg)}"
                f"<figcaption>{inline_html(block.caption)}</figcaption></figure>")
    items = "".join(f"<li>{inline_html(i)}</li>" for i in block.items)
    return (f'<div class="callout"><strong>{inline_html(block.title)}</strong>'
            f"{f'<ul>{items}</ul>' if items else ''}</div>")


def to_html(blocks: list[Block], title: str) -> str:
    """One self-contained HTML page: inline CSS, inline SVG figures, no external reference."""
    body = "\n".join(_html_block(b) for b in blocks)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n"
            f"<body>\n{body}\n</body>\n</html>\n")
