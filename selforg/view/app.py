"""The viewer's routes: the study page, a run page, two runs side by side.

URLs are the bundle's file names (`index.html`, `runs/<run_id>.html`, `compare.html`), so every
link works the same served and from a static bundle.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from selforg.view.compare_page import compare_html
from selforg.view.filters import Filters
from selforg.view.run_page import run_html
from selforg.view.server import Query, Response, not_found
from selforg.view.store import StudyStore
from selforg.view.study_page import study_html

RUN_PATH = re.compile(r"/runs/([A-Za-z0-9_.-]+)\.html")


class ViewApp:
    def __init__(self, store: StudyStore) -> None:
        self.store = store
        self.facets = store.facets()

    def handle(self, method: str, path: str, query: Query, form: Query) -> Response:
        if method != "GET":
            return Response(405, "the viewer is read-only")
        if path in ("/", "/index.html"):
            filters = Filters.from_query(query)
            return Response(200, study_html(self.store.runs_page(filters), self.facets, filters))
        if path == "/compare.html":
            return Response(200, compare_html())
        match = RUN_PATH.fullmatch(path)
        if match:
            detail = self.store.run(match.group(1))
            return Response(200, run_html(detail)) if detail else not_found(
                f"run {quote(match.group(1))}")
        return not_found("page")
