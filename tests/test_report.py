"""The aggregate stage end to end on synthetic tables: files, sections, self-contained HTML."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from selforg.analysis.reference_claims import REFERENCE_CLAIMS
from selforg.cli import main
from selforg.config import StudyConfig
from selforg.paths import Paths
from selforg.reporting.document import (
    Block,
    Bullets,
    Callout,
    Figure,
    Heading,
    Paragraph,
    Table,
    inline_figures,
    to_html,
    to_markdown,
)
from selforg.reporting.paths import ReportPaths
from selforg.reporting.plots import PLOT_FILES
from stages.aggregate import aggregate
from tests.analysis.test_aggregate_synthetic import synthetic_tables
from tests.conftest import REPO

SECTIONS = [
    "Setting", "Headline: quality and cost by protocol",
    "Confirmatory tests: the reference study's claims", "Protocol comparisons per setting",
    "Scaling with the number of agents", "Capability threshold: free roles vs fixed roles",
    "Open vs closed models", "Complexity: quality by task level", "Resilience to shocks",
    "Open questions of the reference study", "Emergent behaviour: roles, abstention, hierarchy",
    "Judge reliability", "Human ratings", "Design adequacy", "Failures",
    "Reference study vs this study",
]


def study_params(self_judging: bool) -> dict[str, Any]:
    judge = "scripted/instant" if self_judging else "scripted/instant-judge"
    return {
        "seed": 0, "tasks": {"per_level": 3},
        "models": [
            {"name": "closed", "model": "scripted/instant",
             "price": {"input_per_mtok": 3.0, "output_per_mtok": 15.0}},
            {"name": "open", "model": "scripted/instant", "open_weights": True},
            {"name": "judge-a", "model": judge}, {"name": "judge-b", "model": judge}],
        "study": {"models": ["closed", "open"],
                  "protocols": ["single", "coordinator", "sequential"], "n_agents": [4, 8]},
        "judges": {"models": ["judge-a", "judge-b"], "samples": 2,
                   "allow_self_judging": self_judging},
        "budget": {"max_usd": 1.0, "max_calls": 1000},
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("aggregate")
    synthetic_tables(per_level=3, ns=(4, 8)).write(root / "data")
    (root / "params.yaml").write_text(yaml.safe_dump(study_params(self_judging=True)))
    aggregate(root / "params.yaml", root)
    return root


@pytest.fixture(scope="module")
def out(project: Path) -> ReportPaths:
    return ReportPaths(Paths(project))


def aggregate_stage() -> dict[str, Any]:
    stage: dict[str, Any] = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]["aggregate"]
    return stage


def declared(entries: list[Any]) -> dict[str, dict[str, Any]]:
    """dvc.yaml output entries (str or {path: options}) as {path: options}."""
    found: dict[str, dict[str, Any]] = {}
    for entry in entries:
        found.update({entry: {}} if isinstance(entry, str) else entry)
    return found


def test_dvc_yaml_declares_what_the_stage_writes(project: Path, out: ReportPaths) -> None:
    stage = aggregate_stage()
    rel = {name: str(path.relative_to(project)) for name, path in {
        "metrics": out.metrics, "md": out.markdown, "html": out.html,
        "comparisons": out.comparisons, "figures": out.figures}.items()}
    assert set(declared(stage["metrics"])) == {rel["metrics"]}
    assert set(declared(stage["outs"])) == {rel["md"], rel["html"], rel["comparisons"],
                                            rel["figures"]}
    plots = declared(stage["plots"])
    assert set(plots) == {f"reports/plots/{name}.csv" for name in PLOT_FILES}
    for path, options in plots.items():
        columns = pd.read_csv(project / path).columns
        assert {options["x"], options["y"]} <= set(columns), path
        assert options["cache"] is False
    # metrics.json in git (`dvc metrics diff` across commits); the report files in the DVC
    # cache, so `dvc push` / `dvc pull` share them with the tables (tests/test_dvc_remote.py)
    assert all(options.get("cache") is False for options in declared(stage["metrics"]).values())
    assert all(options.get("cache", True) for options in declared(stage["outs"]).values())
    for dep in stage["deps"]:
        assert dep.startswith("data/") or (REPO / dep).exists(), dep
    assert "data/turns.parquet" in stage["deps"]


def test_metrics_json_is_flat_sorted_numbers_or_null(out: ReportPaths) -> None:
    metrics = json.loads(out.metrics.read_text())
    assert list(metrics) == sorted(metrics)
    assert all(v is None or (isinstance(v, int | float) and math.isfinite(v))
               for v in metrics.values())
    assert metrics["runs.total"] > 0 and "q.sequential" in metrics


def test_report_has_every_section_in_order(out: ReportPaths) -> None:
    report = out.markdown.read_text()
    headings = [line[3:] for line in report.splitlines() if line.startswith("## ")]
    assert headings == SECTIONS
    assert "No human ratings yet: agreement with people is not computable." in report
    assert report.startswith("# selforg study report\n\n> **Warning: self-judging.")
    claims = report[report.index("## Reference study vs this study"):]
    for claim in REFERENCE_CLAIMS:
        assert f"| {claim.claim}" in claims
    # the paper's setting (N = 16, L3) was not run: no other setting stands in for it
    assert "| setting not run (needs N = 16 for sequential, coordinator; this study has " \
           "N = 4, 8) |" in claims


def test_report_says_how_many_verifiable_answers_were_decidable(out: ReportPaths) -> None:
    metrics = json.loads(out.metrics.read_text())
    decided = metrics["judge.truth_decidable_answers"]
    assert decided == metrics["judge.truth_verifiable_answers"] > 0
    report = out.markdown.read_text()
    assert f"Ground truth: the checker decided {decided} of {decided} verifiable answers" in report


def test_markdown_figures_exist(out: ReportPaths) -> None:
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", out.markdown.read_text())
    assert len(links) == len(PLOT_FILES)
    for link in links:
        assert (out.reports / link).is_file()


def test_inline_figures_embeds_every_figure_and_changes_nothing_else(out: ReportPaths) -> None:
    """The Markdown the Prefect artifact shows: each figure link becomes its SVG as a data:
    URI (the UI cannot follow a link relative to the report); all other text is the report's."""
    import base64

    markdown = out.markdown.read_text()
    inlined = inline_figures(markdown, out.figures)
    images = re.findall(r"!\[([^\]]*)\]\(([^)]+)\)", inlined)
    assert len(images) == len(PLOT_FILES)
    for (caption, uri), (caption_md, link) in zip(
            images, re.findall(r"!\[([^\]]*)\]\(([^)]+)\)", markdown), strict=True):
        assert caption == caption_md
        prefix = "data:image/svg+xml;base64,"
        assert uri.startswith(prefix)
        assert base64.b64decode(uri[len(prefix):]) == (out.reports / link).read_bytes()
    assert re.sub(r"!\[[^\]]*\]\([^)]+\)", "", inlined) == \
        re.sub(r"!\[[^\]]*\]\([^)]+\)", "", markdown)


def test_inline_figures_refuses_a_missing_figure(out: ReportPaths, tmp_path: Path) -> None:
    from selforg.errors import DataError

    markdown = out.markdown.read_text()
    empty = tmp_path / "figures"
    empty.mkdir()
    with pytest.raises(DataError, match="not in"):
        inline_figures(markdown, empty)


def test_html_is_self_contained(out: ReportPaths) -> None:
    page = out.html.read_text()
    assert "http" not in page
    for reference in ("<script", "<link", "src=", "@import", "url(", "href="):
        assert reference not in page
    assert page.count("<svg") == len(PLOT_FILES)
    assert "<style>" in page and "<table>" in page


def test_summary_prints_the_headline(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["summary", "--root", str(project)])
    assert done.value.code == 0
    printed = capsys.readouterr().out
    assert "report.html" in printed
    for protocol in ("single", "coordinator", "sequential"):
        assert re.search(rf"^{protocol}\s+0\.\d{{3}}", printed, re.MULTILINE)
    assert "coordinator vs sequential:" in printed


def test_no_self_judging_warning_without_self_judging() -> None:
    from selforg.analysis.aggregate import study_data
    from selforg.analysis.findings import analyse
    from selforg.analysis.settings import Design
    from selforg.reporting.report import build_report

    tables = synthetic_tables(per_level=1, ns=(4,), protocols=("sequential",), models=("open",))
    data = study_data(tables.tasks, tables.runs, tables.turns, tables.judgments)
    findings = analyse(data, Design(protocols=("sequential",), models=("open",), n_boot=50))
    params = study_params(self_judging=False)
    params["study"] = {"models": ["open"], "protocols": ["sequential"], "n_agents": [4]}
    cfg = StudyConfig.model_validate(params)
    blank = {name: Figure(name, name, None, "not drawn in this test") for name in PLOT_FILES}
    report = to_markdown(build_report(cfg, findings, blank))
    assert "self-judging" not in report
    assert "_Figure not drawn: not drawn in this test_" in report


def test_document_escapes_text_in_both_renderings() -> None:
    blocks: list[Block] = [Heading("a <b> & c"), Paragraph("**bold** and `code`"), Bullets(["x|y"]),
              Table(["h|1", "h2"], [["a|b", "<i>"]]), Callout("warn", ["careful"]),
              Figure("f", "cap", '<?xml version="1.0"?><svg xmlns="x"><g/></svg>')]
    page = to_html(blocks, "t")
    assert "a &lt;b&gt; &amp; c" in page and "<strong>bold</strong>" in page
    assert "<code>code</code>" in page and "&lt;i&gt;" in page
    assert "<svg><g/></svg>" in page and "<?xml" not in page
    markdown = to_markdown(blocks)
    assert "| h\\|1 | h2 |" in markdown and "| a\\|b | <i> |" in markdown
    assert "> **warn**\n> - careful" in markdown
    assert "![cap](figures/f.svg)" in markdown
