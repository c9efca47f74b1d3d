"""The `study` flow: generate-tasks -> run-protocol -> judge -> aggregate.

Each Prefect task is one whole stage (the same function `dvc repro` runs); concurrency inside a
stage is asyncio, never a Prefect task per model call. With no PREFECT_API_URL set, Prefect
starts a temporary local server for the run; point PREFECT_API_URL at a server to see the run
in its UI.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task

from stages.aggregate import aggregate
from stages.generate_tasks import generate_tasks
from stages.judge import judge
from stages.run_protocol import run_protocol

generate_tasks_task = task(name="generate-tasks")(generate_tasks)
run_protocol_task = task(name="run-protocol")(run_protocol)
judge_task = task(name="judge")(judge)
aggregate_task = task(name="aggregate")(aggregate)


@flow(name="study", log_prints=True)
def study(params: str = "params.yaml", root: str = ".") -> str:
    """Run the whole study on `params`, writing data/ and reports/ under `root`."""
    p, r = Path(params), Path(root)
    generate_tasks_task(p, r)
    run_protocol_task(p, r)
    judge_task(p, r)
    return str(aggregate_task(p, r))
