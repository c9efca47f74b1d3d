"""The `study` flow: generate-tasks -> run-protocol -> judge -> aggregate -> publish.

Each stage is a Prefect task calling the same function `dvc repro` runs, except run-protocol:
it is a subflow with one task per batch (one cell of the study, selforg.batches) and a merge
task, so the UI shows its progress batch by batch and the batches can run on a Dask cluster
(`dask_address`). Concurrency inside a batch is asyncio, never a Prefect task per model call.
The last task publishes the report and the headline table as artifacts with stable keys, so
the UI's Artifacts page keeps their history across runs.

Library output is `print`, which `log_prints=True` sends to the run's logs in the UI (also
from Dask workers: the setting travels with each task run). With no PREFECT_API_URL set,
Prefect starts a temporary local server for the run.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from prefect import flow, task, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.logging import get_run_logger
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect_dask import DaskTaskRunner

from selforg.batches import merge_batches, plan_batches, run_batch
from selforg.paths import Paths
from selforg.reporting.document import inline_figures
from selforg.reporting.paths import ReportPaths
from selforg.summary import headline_table, load_metrics
from stages.aggregate import aggregate
from stages.generate_tasks import generate_tasks
from stages.judge import judge

REPORT_KEY = "selforg-report"
HEADLINE_KEY = "selforg-headline"

generate_tasks_task = task(name="generate-tasks")(generate_tasks)
plan_batches_task = task(name="plan-batches")(plan_batches)
merge_batches_task = task(name="merge-batches")(merge_batches)
judge_task = task(name="judge")(judge)
aggregate_task = task(name="aggregate")(aggregate)


@task(name="run-batch", task_run_name="batch {batch_id}")
def run_batch_task(params: Path, root: Path, batch_id: str) -> dict[str, object]:
    """One cell's runs; the returned summary shows in the UI and in the logs."""
    result = run_batch(params, root, batch_id)
    get_run_logger().info(
        "batch %s: %d runs (%d failed), model calls %d, cache hits %d, $%.4f%s", batch_id,
        result.runs, result.failed, result.calls, result.cache_hits, result.usd,
        " (reused its finished batch file)" if result.reused else "")
    return asdict(result)


@task(name="publish")
def publish_task(root: Path) -> None:
    """The report and the headline table as artifacts (new versions under the same keys).

    The UI cannot follow the report's links to figures/*.svg, so the artifact carries each
    figure inline; the table is rounded as the report's headline table is.
    """
    report = ReportPaths(Paths(root))
    create_markdown_artifact(markdown=inline_figures(report.markdown.read_text(),
                                                     report.figures),
                             key=REPORT_KEY,
                             description="reports/report.md of this study run, figures inline")
    create_table_artifact(table=headline_table(load_metrics(root)), key=HEADLINE_KEY,
                          description="Q per protocol (all settings pooled), from "
                                      "reports/metrics.json, rounded as in the report")


@flow(name="run-protocol", log_prints=True)
def run_protocol_flow(params: str, root: str) -> str:
    """Every batch as its own task on this flow's task runner, then one merge."""
    p, r = Path(params), Path(root)
    batch_ids = plan_batches_task(p, r)
    futures = run_batch_task.map(unmapped(p), unmapped(r), batch_ids)
    futures.result()
    return str(merge_batches_task(p, r))


def batch_runner(dask_address: str | None) -> TaskRunner[Any]:
    """Dask when an address is given; otherwise one batch at a time in this process.

    One at a time, because each batch has its own gateway: batches side by side would each
    allow `max_concurrency` calls to a model (the budget is shared: see selforg/llm/budget.py).
    """
    if dask_address:
        return DaskTaskRunner(address=dask_address)
    return ThreadPoolTaskRunner(max_workers=1)


@flow(name="study", log_prints=True)
def study(params: str = "params.yaml", root: str = ".",
          dask_address: str | None = None) -> str:
    """Run the whole study on `params`, writing data/ and reports/ under `root`.

    `dask_address` (e.g. tcp://10.0.0.5:8786) runs the batches on that Dask cluster; every
    worker must see `params`, `root` and the call cache at the same paths.
    """
    p, r = Path(params).resolve(), Path(root).resolve()
    generate_tasks_task(p, r)
    run_protocol_flow.with_options(task_runner=batch_runner(dask_address))(str(p), str(r))
    judge_task(p, r)
    metrics = aggregate_task(p, r)
    publish_task(r)
    return str(metrics)
