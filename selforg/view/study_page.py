"""The study page: every run with its setting, Q and cost, filtered, searched and paged.

Served, the filters run in SQL (`StudyStore.runs_page`) and the page holds one page of rows.
In a static bundle the page holds every row, each tagged with its filter values, and a short
inline script applies the same query string (filters, search over the bundle's search index,
page), so a link means the same in both.
"""

from __future__ import annotations

import json
from typing import Any

from selforg.view.filters import BASELINE, FIELDS, PER_PAGE, Filters
from selforg.view.layout import e, num, page
from selforg.view.store import Page

COLUMNS = ("run", "task", "level", "protocol", "model", "N", "shock", "status", "Q", "M",
           "USD", "tokens", "latency s", "calls")


def _row(r: dict[str, Any], snippet: tuple[int, str] | None, searching: bool) -> str:
    shock = r["shock"] or BASELINE
    tags = " ".join(f'data-{name}="{e(shock if name == "shock" else r[name])}"'
                    for name in FIELDS)
    cells = [f'<a href="runs/{e(r["run_id"])}.html">{e(r["run_id"])}</a>', e(r["title"]),
             e(r["level"]), e(r["protocol"]), e(r["model"]), str(r["n_agents"]),
             e(r["shock"] or "-"), e(r["status"])]
    numbers = [num(r["q"]), num(r["m"]), num(r["cost_usd"], 4), num(r["tokens"]),
               num(r["latency_s"], 2), num(r["n_calls"])]
    row = "".join(f"<td>{c}</td>" for c in cells) + "".join(f'<td class="num">{n}</td>'
                                                            for n in numbers)
    if searching:
        row += (f"<td>agent {snippet[0]}: {e(snippet[1])}</td>" if snippet else "<td></td>")
    return f'<tr data-run="{e(r["run_id"])}" {tags}>{row}</tr>'


def _form(facets: dict[str, list[str]], filters: Filters) -> str:
    selects = []
    for name, label in FIELDS.items():
        current = getattr(filters, name)
        options = ['<option value="">any</option>'] + [
            f'<option value="{e(v)}"{" selected" if v == current else ""}>'
            f'{e("baseline (no shock)" if name == "shock" and v == BASELINE else v)}</option>'
            for v in facets[name]]
        selects.append(f'<label>{label}<select name="{name}">{"".join(options)}</select>'
                       "</label>")
    return (f'<form class="filters" id="filters" method="get" action="index.html">'
            f'{"".join(selects)}<label>search contributions<input type="search" name="search" '
            f'value="{e(filters.search)}" placeholder="text in any turn"></label>'
            '<button type="submit">apply</button> <a href="index.html">clear</a></form>')


def _pager(result: Page, filters: Filters) -> str:
    if result.pages == 1:
        return ""
    links = []
    for label, target in (("&laquo; first", 1), ("&lsaquo; previous", result.page - 1),
                          ("next &rsaquo;", result.page + 1), ("last &raquo;", result.pages)):
        if 1 <= target <= result.pages and target != result.page:
            links.append(f'<a href="index.html?{e(filters.query(page=target))}">{label}</a>')
    return (f'<p class="pager">page {result.page} of {result.pages} {" ".join(links)}</p>')


def study_html(result: Page, facets: dict[str, list[str]], filters: Filters) -> str:
    """The served study page: one page of the filtered runs."""
    searching = bool(filters.search)
    head = "".join(f"<th>{c}</th>" for c in (*COLUMNS, *(["match"] if searching else [])))
    rows = "".join(_row(r, result.snippets.get(r["run_id"]), searching) for r in result.rows)
    shown = (f"{result.total:,} run(s) match" if filters.active() or searching
             else f"{result.total:,} run(s)")
    body = (f"<h1>Study</h1>{_form(facets, filters)}<p id=\"count\">{shown}</p>"
            f"{_pager(result, filters)}<table id=\"runs\"><thead><tr>{head}</tr></thead>"
            f"<tbody>{rows}</tbody></table>{_pager(result, filters)}"
            '<p class="note">Q and M: the judge panel\'s mean (each judge\'s mean over its '
            "samples, then over judges). Latency: the run's critical path.</p>")
    return page("selforg study", body)


STATIC_SCRIPT = """<script>
(function () {
  var PER = %(per)d, FIELDS = %(fields)s;
  var params = new URLSearchParams(location.search);
  var form = document.getElementById("filters");
  FIELDS.concat(["search"]).forEach(function (f) {
    if (params.get(f) !== null) { form.elements[f].value = params.get(f); }
  });
  var term = (params.get("search") || "").trim().toLowerCase();
  var index = window.SEARCH || {};
  var rows = Array.prototype.slice.call(document.querySelectorAll("#runs tbody tr"));
  var matched = rows.filter(function (r) {
    var ok = FIELDS.every(function (f) {
      return !params.get(f) || r.dataset[f] === params.get(f);
    });
    return ok && (!term || (index[r.dataset.run] || "").indexOf(term) >= 0);
  });
  var pages = Math.max(1, Math.ceil(matched.length / PER));
  var at = Math.min(Math.max(1, parseInt(params.get("page") || "1", 10) || 1), pages);
  rows.forEach(function (r) { r.hidden = true; });
  matched.slice((at - 1) * PER, at * PER).forEach(function (r) { r.hidden = false; });
  var filtered = FIELDS.some(function (f) { return params.get(f); }) || term;
  document.getElementById("count").textContent =
    matched.length + " run(s)" + (filtered ? " match" : "");
  var pager = document.getElementById("pager");
  function link(label, target) {
    if (target < 1 || target > pages || target === at) { return ""; }
    params.set("page", target);
    return '<a href="index.html?' + params.toString() + '">' + label + "</a>";
  }
  if (pages > 1) {
    pager.innerHTML = "page " + at + " of " + pages + " " + link("&laquo; first", 1) + " " +
      link("&lsaquo; previous", at - 1) + " " + link("next &rsaquo;", at + 1) + " " +
      link("last &raquo;", pages);
  }
})();
</script>"""


def study_static_html(rows: list[dict[str, Any]], facets: dict[str, list[str]]) -> str:
    """The bundle's study page: every run, filtered and paged in the browser."""
    head = "".join(f"<th>{c}</th>" for c in COLUMNS)
    body_rows = "".join(_row(r, None, False) for r in rows)
    body = (f"<h1>Study</h1>{_form(facets, Filters())}<p id=\"count\">{len(rows):,} run(s)</p>"
            f'<p class="pager" id="pager"></p><table id="runs"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body_rows}</tbody></table>"
            '<p class="note">A static copy of the study (selforg view --bundle). Search looks '
            "through every turn's contribution. Q and M: the judge panel's mean.</p>")
    script = ('<script src="search.js"></script>'
              + STATIC_SCRIPT % {"per": PER_PAGE, "fields": json.dumps(list(FIELDS))})
    return page("selforg study", body, script=script)
