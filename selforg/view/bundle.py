"""`selforg view --bundle DIR`: the viewer's pages as a self-contained static site.

The site is the served pages written to files: `index.html` (every run, filtered and paged by
an inline script), `search.js` (each run's contributions, for the search box), `compare.html`
and `runs/<run_id>.html`. Nothing refers outside the directory, so it opens from file://,
offline, or from any static host. It is built beside DIR and swapped in when complete; an
existing DIR is replaced only if it is an earlier bundle (it holds the marker file), so a
mistyped path never wipes a directory.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from selforg.errors import SelforgError
from selforg.view.compare_page import compare_html
from selforg.view.run_page import run_html
from selforg.view.store import StudyStore
from selforg.view.study_page import study_static_html

MARKER = ".selforg-bundle"


@dataclass(frozen=True)
class BundleResult:
    path: Path
    runs: int
    bytes: int
    seconds: float


def _check_target(out: Path) -> None:
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and
                                              not (out / MARKER).is_file())):
        raise SelforgError(f"{out} exists and is not an earlier selforg bundle",
                           "give a new or empty directory (an earlier bundle is replaced)")


def write_bundle(store: StudyStore, out: Path) -> BundleResult:
    """Write the whole study as a static site at `out`; return what was written."""
    started = time.perf_counter()
    _check_target(out)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "runs").mkdir(parents=True)
    rows = store.all_runs()
    (tmp / "index.html").write_text(study_static_html(rows, store.facets()))
    (tmp / "search.js").write_text("window.SEARCH = " + json.dumps(store.search_texts())
                                   + ";\n")
    (tmp / "compare.html").write_text(compare_html())
    for row in rows:
        detail = store.run(row["run_id"])
        if detail is not None:
            (tmp / "runs" / f"{row['run_id']}.html").write_text(run_html(detail))
    (tmp / MARKER).write_text("written by `selforg view --bundle`; safe to replace\n")
    if out.exists():
        shutil.rmtree(out)
    os.replace(tmp, out)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return BundleResult(out, len(rows), size, time.perf_counter() - started)
