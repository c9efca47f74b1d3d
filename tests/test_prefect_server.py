"""`selforg serve` against a real Prefect server: a run triggered through the API completes
and publishes the report and the headline table as artifacts."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from selforg.summary import headline_rows
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
    with prefect_server(tmp_path / "prefect") as api, \
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
        finally:
            stop(serve)
            log.close()

    metrics = json.loads((root / "reports" / "metrics.json").read_text())
    assert set(artifacts) == {REPORT_KEY, HEADLINE_KEY}
    assert artifacts[REPORT_KEY].type == "markdown"
    assert artifacts[REPORT_KEY].data == (root / "reports" / "report.md").read_text()
    table = artifacts[HEADLINE_KEY]
    assert table.type == "table"
    rows = json.loads(str(table.data))
    assert rows == headline_rows(metrics)
    assert {r["protocol"] for r in rows} == {"single", "sequential"}
    for row in rows:
        assert row["q"] == metrics[f"q.{row['protocol']}"]
        assert row["n"] == metrics[f"q_n.{row['protocol']}"]
