"""run_protocol in batches: one per cell, merged into exactly the stage's tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from selforg.batches import (
    batch_path,
    list_batches,
    load_study,
    merge_batches,
    plan_batches,
    run_batch,
    task_views,
)
from selforg.errors import DataError
from selforg.paths import Paths
from selforg.runner import cell_of, plan_runs
from selforg.tables import read_table
from stages.generate_tasks import generate_tasks
from stages.run_protocol import run_protocol
from tests.conftest import scripted_params, write_params

# `shared` has ordered cells (memory from task to task), so a batch must hold a whole cell.
STUDY = {"models": ["fake"], "protocols": ["single", "sequential", "shared"], "n_agents": [3],
         "replicates": 2}


@pytest.fixture
def params(tmp_path: Path) -> Path:
    return write_params(tmp_path / "params.yaml",
                        scripted_params(tmp_path / "cache", study=STUDY))


def _root(base: Path, params: Path) -> Path:
    generate_tasks(params, base)
    return base


def _tables(root: Path) -> tuple[pd.DataFrame, ...]:
    paths = Paths(root)
    return (read_table("runs", paths.runs), read_table("turns", paths.turns),
            read_table("prompts", paths.prompts), read_table("prompt_texts", paths.prompt_texts))


def _run_all_batches(params: Path, root: Path) -> None:
    for batch_id in plan_batches(params, root):
        run_batch(params, root, batch_id)
    merge_batches(params, root)


def test_one_batch_per_cell_with_stable_unique_ids(params: Path, tmp_path: Path) -> None:
    root = _root(tmp_path / "a", params)
    cfg, tasks = load_study(params, root)
    batches = list_batches(cfg, tasks)
    specs = plan_runs(cfg, task_views(tasks))
    assert len(batches) == len({cell_of(s) for s in specs}) == 6
    assert len({b.id for b in batches}) == len(batches)
    assert all(len({cell_of(s) for s in b.specs}) == 1 for b in batches)
    assert [s.run_id for b in batches for s in b.specs] == [s.run_id for s in specs]
    assert [b.id for b in list_batches(cfg, tasks)] == [b.id for b in batches]
    assert batches[0].id.startswith("fake-single-1-")


def test_batches_merge_into_the_stage_tables(params: Path, tmp_path: Path) -> None:
    # First run fills the cache; both paths then replay it, so even the recorded latencies and
    # the `cached` flags must agree row for row.
    run_protocol(params, _root(tmp_path / "warm", params))
    staged, batched = _root(tmp_path / "stage", params), _root(tmp_path / "batch", params)
    run_protocol(params, staged)
    _run_all_batches(params, batched)
    for stage_table, batch_table in zip(_tables(staged), _tables(batched), strict=True):
        pd.testing.assert_frame_equal(stage_table, batch_table)
    runs, turns, prompts, _ = _tables(batched)
    assert len(runs) == 6 * 2
    assert len(prompts) == turns[~turns["directed"] & ~turns["removed"]].shape[0] > 0


def test_rerunning_a_batch_reuses_its_file(params: Path, tmp_path: Path) -> None:
    root = _root(tmp_path / "a", params)
    batch_id = plan_batches(params, root)[0]
    first = run_batch(params, root, batch_id)
    assert not first.reused and first.calls > 0
    content = batch_path(root, batch_id).read_bytes()
    again = run_batch(params, root, batch_id)
    assert again.reused and again.calls == 0 and again.runs == first.runs
    assert batch_path(root, batch_id).read_bytes() == content


def test_merge_refuses_a_corrupt_missing_or_stale_batch(params: Path, tmp_path: Path) -> None:
    root = _root(tmp_path / "a", params)
    _run_all_batches(params, root)
    batch_id = plan_batches(params, root)[1]
    path = batch_path(root, batch_id)
    good = path.read_bytes()

    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(DataError, match="not a readable batch file"):
        merge_batches(params, root)
    # the batch itself recomputes a corrupt file (from the cache: no new model call)
    redone = run_batch(params, root, batch_id)
    assert not redone.reused and redone.calls == 0 and redone.cache_hits > 0
    merge_batches(params, root)

    path.unlink()
    with pytest.raises(DataError, match="has not run"):
        merge_batches(params, root)

    path.write_bytes(good)
    changed = write_params(tmp_path / "changed.yaml", scripted_params(
        tmp_path / "cache", study=STUDY, retry={"attempts": 2, "base_delay_s": 0.0,
                                                "max_delay_s": 0.0}))
    with pytest.raises(DataError, match="another config"):
        merge_batches(changed, root)
    assert not run_batch(changed, root, batch_id).reused


def test_unknown_batch_id_is_a_clear_error(params: Path, tmp_path: Path) -> None:
    root = _root(tmp_path / "a", params)
    with pytest.raises(DataError, match="no batch 'nope'"):
        run_batch(params, root, "nope")


class Outage:
    """A scripted model that is down (connection refused) until `up` is set."""

    def __init__(self) -> None:
        self.up = False
        self.calls = 0

    def __call__(self, messages: list[dict[str, str]], params: dict[str, object]) -> str:
        import litellm

        from selforg.llm.scripted import instant

        self.calls += 1
        if not self.up:
            raise litellm.APIConnectionError(message="connection refused", llm_provider="x",
                                              model="scripted/outage")
        return instant(messages, params)


def test_failed_runs_stop_the_merge_and_their_batch_runs_again(tmp_path: Path) -> None:
    """A batch whose runs failed is not reused (the flow's second run retries them, answered
    calls from the cache), and the merge, like the stage, writes the tables then refuses."""
    from selforg.failures import StudyIncomplete
    from selforg.llm.scripted import register_script

    outage = Outage()
    register_script("outage", outage)
    study = {"models": ["down"], "protocols": ["single"], "n_agents": [1]}
    cfg = scripted_params(tmp_path / "cache", study=study)
    cfg["models"].append({"name": "down", "model": "scripted/outage"})
    params = write_params(tmp_path / "params.yaml", cfg)
    root = _root(tmp_path / "r", params)
    with pytest.raises(StudyIncomplete, match="2 of 2 runs failed"):
        _run_all_batches(params, root)
    runs, *_ = _tables(root)
    assert (runs["status"] == "failed").all()
    outage.up = True
    (batch_id,) = plan_batches(params, root)
    assert not run_batch(params, root, batch_id).reused
    merge_batches(params, root)
    runs, *_ = _tables(root)
    assert (runs["status"] == "ok").all()
    assert run_batch(params, root, batch_id).reused
