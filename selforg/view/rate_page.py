"""The rating pages: a blind answer with the judges' rubric, and a rater's saved ratings.

A rater sees what a judge sees and nothing else: the task and the final answer, cut exactly
as the judge prompt cuts them, and the five dimensions with their questions and verbal
anchors from selforg.judging.rubric. No run id, protocol, model or team size is on the page;
items are numbered in the rater's own order.
"""

from __future__ import annotations

from collections.abc import Mapping

from selforg.judging.rubric import ANCHORS, DIMENSIONS, QUESTIONS, SCORE_LEVELS
from selforg.view.layout import e, num, page

NAV = '<a href="/index.html">start</a>'


def _nav(rater: str) -> str:
    return (f'{NAV}<a href="/rate?rater={e(rater)}">next answer</a>'
            f'<a href="/ratings?rater={e(rater)}">my ratings</a>')


def start_html(sample: int) -> str:
    body = ("<h1>Blind rating</h1><p>You will read answers to tasks and score each on the five "
            "criteria the judges use, with the same scale. You are not told how an answer was "
            f"produced. The sample has {sample} answers; each rating is saved as soon as you "
            "submit it, and you can stop and come back at any time.</p>"
            '<form method="get" action="/rate"><label>Your rater id (letters, digits, . _ - @):'
            ' <input name="rater" id="rater" required pattern="[A-Za-z0-9_.@-]{1,40}"></label> '
            '<button type="submit">start</button></form>')
    return page("selforg: blind rating", body, nav=NAV)


def _rubric(previous: Mapping[str, int] | None) -> str:
    sets = []
    for dim in DIMENSIONS:
        options = "".join(
            f'<label><input type="radio" name="{dim}" value="{level}" required'
            f'{" checked" if previous and previous.get(dim) == level else ""}> '
            f"<b>{level}</b> = {e(ANCHORS[dim][level])}</label>" for level in SCORE_LEVELS)
        sets.append(f'<fieldset id="dim-{dim}"><legend><b>{dim}</b>: {e(QUESTIONS[dim])}'
                    f"</legend>{options}</fieldset>")
    return "".join(sets)


def item_html(rater: str, item: int, total: int, task: str, answer: str, shown_at: float,
              previous: Mapping[str, int] | None) -> str:
    """One answer to rate (item is 1-based), pre-filled with the rater's earlier rating."""
    again = ('<p class="note">You rated this answer before; saving replaces that rating.</p>'
             if previous else "")
    body = (f"<h1>Answer {item} of {total}</h1>{again}<h2>Task</h2><pre>{e(task)}</pre>"
            f"<h2>Answer</h2><pre class=\"answer\">{e(answer)}</pre><h2>Your scores</h2>"
            '<form method="post" action="/rate" id="rating">'
            f'<input type="hidden" name="rater" value="{e(rater)}">'
            f'<input type="hidden" name="item" value="{item}">'
            f'<input type="hidden" name="shown_at" value="{shown_at:.3f}">'
            f'{_rubric(previous)}<button type="submit" id="save">save rating</button></form>'
            '<p class="note">Length is not quality; "[truncated]" marks where an overlong text '
            "was cut (as for the judges): do not count the cut against the answer.</p>")
    return page(f"answer {item} of {total}", body, nav=_nav(rater))


def done_html(rater: str, total: int) -> str:
    body = (f"<h1>All {total} answers rated</h1><p>Thank you. Every rating is saved in "
            f"data/human_ratings.parquet; <a href=\"/ratings?rater={e(rater)}\">see yours</a>. "
            "Commit the file so the ratings are kept (docs/viewer.md).</p>")
    return page("all rated", body, nav=_nav(rater))


def ratings_html(rater: str, rows: list[dict[str, object]]) -> str:
    """A rater's ratings by item number (blind: no run ids)."""
    head = "".join(f"<th>{c}</th>" for c in ("answer", *DIMENSIONS, "saved (UTC)", "seconds"))
    body_rows = "".join(
        f'<tr><td><a href="/rate?rater={e(rater)}&amp;item={r["item"]}">{r["item"]}</a></td>'
        + "".join(f'<td class="num">{r[d]}</td>' for d in DIMENSIONS)
        + f"<td>{e(r['rated_at'])}</td><td class=\"num\">{num(r['seconds'], 1)}</td></tr>"
        for r in rows)
    body = (f"<h1>Ratings by {e(rater)}</h1><p id=\"saved-count\">{len(rows)} saved</p>"
            f'<table id="ratings"><thead><tr>{head}</tr></thead><tbody>{body_rows}</tbody>'
            "</table>")
    return page(f"ratings by {rater}", body, nav=_nav(rater))


def problem_html(message: str) -> str:
    return page("selforg: problem", f"<h1>Not saved</h1><p>{e(message)}</p>", nav=NAV)
