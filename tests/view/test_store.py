"""The viewer without a browser: the store's queries, routes, bundle safety, missing tables."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import parse_qs

import duckdb
import pytest

from selforg.cli import main
from selforg.errors import SelforgError
from selforg.paths import Paths
from selforg.tables import read_table
from selforg.view.app import ViewApp
from selforg.view.bundle import MARKER, write_bundle
from selforg.view.filters import Filters
from selforg.view.store import StudyStore, snippet
from tests.conftest import REPO


def test_filters_round_trip_through_the_query_string() -> None:
    f = Filters(protocol="sequential", n_agents="5", search="risk plan", page=3)
    assert Filters.from_query(parse_qs(f.query())) == f
    assert Filters.from_query(parse_qs("page=x&level=L2&junk=1")) == Filters(level="L2")
    assert "page" not in Filters(level="L1").query(page=1)


def test_pages_filters_and_search(study: Path) -> None:
    store = StudyStore(study)
    runs = read_table("runs", Paths(study).runs)
    first = store.runs_page(Filters(), per_page=4)
    assert (first.total, first.pages, len(first.rows)) == (len(runs), 3, 4)
    last = store.runs_page(Filters(page=99), per_page=4)
    assert last.page == 3 and len(last.rows) == len(runs) - 8
    seen = [r["run_id"] for p in (1, 2, 3)
            for r in store.runs_page(Filters(page=p), per_page=4).rows]
    assert sorted(seen) == sorted(runs["run_id"])
    shocked = store.runs_page(Filters(shock="drop2"))
    assert shocked.total == runs["shock"].eq("drop2").sum() > 0
    hits = store.runs_page(Filters(search="PROPOSES STEP 1"))
    assert hits.total == len(store.search("proposes step 1")) > 0
    assert all("proposes step 1" in text.lower() for _, text in hits.snippets.values())
    assert store.runs_page(Filters(search="no such words anywhere")).total == 0
    assert snippet("x" * 300 + "needle" + "y" * 300, "needle").count("needle") == 1


def test_routes(study: Path) -> None:
    app = ViewApp(StudyStore(study))
    run = StudyStore(study).run_ids()[0]
    assert app.handle("GET", f"/runs/{run}.html", {}, {}).status == 200
    assert app.handle("GET", "/runs/nope.html", {}, {}).status == 404
    assert app.handle("GET", "/runs/../../etc/passwd", {}, {}).status == 404
    assert app.handle("POST", "/index.html", {}, {}).status == 405
    page = app.handle("GET", "/index.html", {"protocol": ["single"]}, {})
    assert page.status == 200 and page.body.count("<tr data-run=") == 2


def test_a_study_without_judgments_or_prompts_still_opens(study: Path, tmp_path: Path) -> None:
    for name in ("tasks", "runs", "turns"):
        (tmp_path / "data").mkdir(exist_ok=True)
        shutil.copy(Paths(study).table(name), Paths(tmp_path).table(name))
    store = StudyStore(tmp_path)
    detail = store.run(store.run_ids()[-1])
    assert detail is not None and not detail.judgments and not detail.prompts
    page = ViewApp(store).handle("GET", f"/runs/{detail.run['run_id']}.html", {}, {}).body
    assert "not judged yet" in page and "before prompts were kept" in page
    Paths(tmp_path).turns.unlink()
    with pytest.raises(SelforgError, match="dvc repro run_protocol"):
        StudyStore(tmp_path)


def test_bundle_never_replaces_a_directory_it_did_not_write(study: Path, tmp_path: Path) -> None:
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "keep.txt").write_text("mine")
    with pytest.raises(SelforgError, match="not an earlier selforg bundle"):
        write_bundle(StudyStore(study), precious)
    assert (precious / "keep.txt").read_text() == "mine"
    site = tmp_path / "site"
    assert main_code(["view", "--root", str(study), "--bundle", str(site)]) == 0
    (site / "runs" / "stale.html").write_text("from an older study")
    assert main_code(["view", "--root", str(study), "--bundle", str(site)]) == 0
    assert (site / MARKER).is_file() and not (site / "runs" / "stale.html").exists()
    assert len(list((site / "runs").glob("*.html"))) == len(StudyStore(study).run_ids())


def main_code(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    return int(exit_.value.code or 0)


def test_the_docs_query_rebuilds_a_prompt_exactly(study: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/viewer.md's DuckDB query for one call's messages gives what the viewer shows."""
    docs = (REPO / "docs" / "viewer.md").read_text()
    sql = docs.split("```sql\n", 1)[1].split("```", 1)[0]
    store = StudyStore(study)
    run = store.runs_page(Filters(protocol="sequential")).rows[0]["run_id"]
    monkeypatch.chdir(study)
    rows = duckdb.connect().execute(sql.replace("sequential-0123456789ab", run)).fetchall()
    detail = store.run(run)
    assert detail is not None
    assert [(r[1], r[2]) for r in rows] == [(m["role"], m["content"])
                                            for m in detail.prompts[(1, 0)].messages]
