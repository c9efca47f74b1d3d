"""`selforg serve` against a real Prefect server: a run triggered through the API completes
and publishes the report (figures inline, as the UI cannot follow relative links) and the
headline table (rounded as the report rounds it) as artifacts."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from selforg.summary import headline_table
from tests.chromium_helpers import chromium, dump_dom
from tests.conftest import REPO, scripted_params, write_params
from tests.prefect_helpers import STARTUP_S, prefect_env, prefect_server, stop

pytestmark = pytest.mark.slow

DEPLOYMENT = "study/selforg-test"


def test_served_study_runs_from_the_api_and_publishes_artifacts(tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterKey,
        FlowRunFilter,
        FlowRunFilterId,
        TaskRunFilter,
    )
    from prefect.client.schemas.sorting import ArtifactSort
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.study import HEADLINE_KEY, REPORT_KEY

    params = write_params(tmp_path / "params.yaml", scripted_params(tmp_path / "cache"))
    root = tmp_path / "study"
    # With chromium at hand, the server also serves its UI, to look at the artifacts there.
    with prefect_server(tmp_path / "prefect", ui=chromium() is not None) as api, \
            temporary_settings({PREFECT_API_URL: api}):
        log = (tmp_path / "serve.log").open("w")
        serve = subprocess.Popen(
            [sys.executable, "-m", "selforg", "serve", "--params", str(params), "--root",
             str(root), "--name", "selforg-test"], cwd=REPO,
            env=prefect_env(tmp_path / "prefect", api), stdout=log, stderr=subprocess.STDOUT,
            text=True)
        try:
            with get_client(sync_client=True) as client:
                deadline = time.monotonic() + STARTUP_S
                while True:
                    assert serve.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
                    try:
                        client.read_deployment_by_name(DEPLOYMENT)
                        break
                    except Exception:
                        assert time.monotonic() < deadline, "the deployment never appeared"
                        time.sleep(1)
                flow_run = run_deployment(DEPLOYMENT, timeout=900)
                assert flow_run.state is not None and flow_run.state.is_completed(), (
                    flow_run.state, (tmp_path / "serve.log").read_text()[-3000:])
                # every argument explicit: prefect 3.8.8's sync client sends omitted ones
                # as null, which the server refuses (422)
                artifacts = {a.key: a for a in client.read_artifacts(
                    artifact_filter=ArtifactFilter(
                        key=ArtifactFilterKey(any_=[REPORT_KEY, HEADLINE_KEY])),
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run.id])),
                    task_run_filter=TaskRunFilter(), sort=ArtifactSort.KEY_ASC, limit=10,
                    offset=0)}
            ui = api.removesuffix("/api")
            pages = {key: dump_dom(f"{ui}/artifacts/artifact/{artifact.id}",
                                   tmp_path / f"chromium-{key}", budget_ms=30000)
                     for key, artifact in artifacts.items()} if chromium() else {}
        finally:
            stop(serve)
            log.close()

    metrics = json.loads((root / "reports" / "metrics.json").read_text())
    assert set(artifacts) == {REPORT_KEY, HEADLINE_KEY}
    assert artifacts[REPORT_KEY].type == "markdown"
    report_md = (root / "reports" / "report.md").read_text()
    shown = str(artifacts[REPORT_KEY].data)
    # every figure of the report, as the SVG file itself; no link left for the UI to break on
    figures = sorted((root / "reports" / "figures").glob("*.svg"))
    assert figures
    uris = re.findall(r"!\[[^\]]*\]\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", shown)
    assert sorted(base64.b64decode(u) for u in uris) == sorted(f.read_bytes() for f in figures)
    assert "](figures/" not in shown and "](figures/" in report_md
    image = re.compile(r"!\[[^\]]*\]\([^)]+\)")
    assert image.sub("", shown) == image.sub("", report_md)
    table = artifacts[HEADLINE_KEY]
    assert table.type == "table"
    rows = json.loads(str(table.data))
    assert rows == headline_table(metrics)
    assert {r["protocol"] for r in rows} == {"single", "sequential"}
    for row in rows:
        p = row["protocol"]
        lo, hi = metrics[f"q_ci_low.{p}"], metrics[f"q_ci_high.{p}"]
        # a study this small may have too few tasks for an interval: then Q stands alone
        interval = f" [{lo:.3f}, {hi:.3f}]" if lo is not None and hi is not None else ""
        assert row["Q [95% CI]"] == f"{metrics[f'q.{p}']:.3f}{interval}"
        assert row["n tasks"] == metrics[f"q_n.{p}"]
        assert re.fullmatch(r"\d+\.\d%", row["error rate"])
        # the same cell as the report's headline table
        assert f"| {p} | " in report_md and f"| {row['Q [95% CI]']} | {row['n tasks']} |" \
            in report_md
    if pages:
        # what the UI's artifact pages show: every figure as an image of the report, and the
        # table's rounded cells
        shown_images = re.findall(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"'
                                  r'[^>]*class="markdown-renderer__image"', pages[REPORT_KEY])
        assert sorted(base64.b64decode(u) for u in shown_images) == \
            sorted(f.read_bytes() for f in figures)
        for row in rows:
            assert f">{row['Q [95% CI]']}<" in pages[HEADLINE_KEY], row
