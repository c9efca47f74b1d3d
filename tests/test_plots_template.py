"""`dvc plots show` and `dvc plots diff` open offline: the committed template inlines exactly the
pinned Vega, Vega-Lite and vega-embed builds, .dvc/config names it, and the pages DVC writes
with it load no script from the network (and, where chromium is installed, draw every plot with
the network cut off)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.chromium_helpers import chromium, dump_dom
from tests.conftest import REPO
from tests.repo_helpers import commit, copy_project, init_repo, sh
from tools.build_plots_template import LIBRARIES, PLACEHOLDERS, TEMPLATE

INLINE = re.compile(r'<script type="text/javascript" data-library="([^"]+)">(.*?)</script>',
                    re.DOTALL)
N_PLOTS = 5  # the plots dvc.yaml declares


def test_template_inlines_exactly_the_pinned_builds() -> None:
    page = TEMPLATE.read_text(encoding="utf8")
    inlined = {name: body for name, body in INLINE.findall(page)}
    assert list(inlined) == [lib.name for lib in LIBRARIES]
    for lib in LIBRARIES:
        assert hashlib.sha256(inlined[lib.name].encode()).hexdigest() == lib.sha256, lib.name
    # DVC's {scripts} is where it would put its CDN tags: the template must not offer it.
    assert "{plot_divs}" in page and "{refresh_tag}" in page and "{scripts}" not in page
    assert PLACEHOLDERS == ("{plot_divs}", "{scripts}", "{refresh_tag}")


def test_dvc_config_names_the_template() -> None:
    result = sh(REPO, "dvc", "config", "plots.html_template")
    assert (REPO / ".dvc" / result.stdout.strip()).resolve() == TEMPLATE


def external_references(page: str) -> list[str]:
    """Every attribute that would make a browser fetch something as the page loads (src=, a
    stylesheet's href=, @import); data: URIs are fine."""
    tag = r"""<(?:script|img|iframe|link)\b[^>]*\b(?:src|href)\s*=\s*["']?([^"'\s>]+)"""
    refs = re.findall(tag, page, re.IGNORECASE)
    refs += re.findall(r"@import\s+(?:url\()?[\"']?([^\"')\s]+)", page)
    return [r for r in refs if not r.startswith("data:")]


def drawn_plots(page: Path, profile: Path) -> int:
    """Plots vega drew in headless chromium with every host unresolvable (offline)."""
    dom = dump_dom(page.as_uri(), profile, offline=True)
    return len(re.findall(r'<canvas width="[1-9]\d*" height="[1-9]\d*" class="marks"', dom))


@pytest.fixture(scope="module")
def plots_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git + DVC repository with the project's pipeline and its committed plot data, at two
    commits that differ in one plotted value."""
    root = init_repo(copy_project(tmp_path_factory.mktemp("plots"),
                                  ("dvc.yaml", "reports/plots")))
    commit(root, "plots")
    plot = root / "reports" / "plots" / "quality_by_protocol.csv"
    lines = plot.read_text().splitlines()
    first = lines[1].split(",")
    first[1] = "0.9"
    plot.write_text("\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n")
    commit(root, "one value changed")
    return root


@pytest.mark.parametrize("command", [("show",), ("diff", "HEAD~1")],
                         ids=["show", "diff HEAD~1"])
def test_dvc_plots_page_loads_nothing_from_the_network(plots_repo: Path, tmp_path: Path,
                                                       command: tuple[str, ...]) -> None:
    out = tmp_path / "out"
    sh(plots_repo, "dvc", "plots", *command, "-o", str(out))
    page = (out / "index.html").read_text(encoding="utf8")
    # the pinned builds (checked above) hold URL-like strings in their code: look around them
    assert external_references(INLINE.sub("", page)) == []
    assert "cdn.jsdelivr" not in page
    assert [name for name, _ in INLINE.findall(page)] == [lib.name for lib in LIBRARIES]
    assert page.count("vegaEmbed('#") == N_PLOTS
    if command[0] == "diff":
        assert '"rev": "HEAD~1"' in page and '"rev": "workspace"' in page
    if chromium() is not None:
        assert drawn_plots(out / "index.html", tmp_path / "chromium") == N_PLOTS


@pytest.mark.skipif(chromium() is None, reason="no chromium to render the page with")
def test_dvc_default_page_draws_nothing_offline(plots_repo: Path, tmp_path: Path) -> None:
    """The control: DVC's own page (libraries from a CDN) stays blank with the network cut off,
    so the drawn-plots count above measures the template, not the browser."""
    from dvc_render.html import PAGE_HTML

    default = tmp_path / "default.html"
    default.write_text(PAGE_HTML)
    out = tmp_path / "out"
    sh(plots_repo, "dvc", "plots", "show", "--html-template", str(default), "-o", str(out))
    assert "cdn.jsdelivr" in (out / "index.html").read_text(encoding="utf8")
    assert drawn_plots(out / "index.html", tmp_path / "chromium") == 0
