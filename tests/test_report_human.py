"""The aggregate stage with human ratings: read from data/, reported, in metrics.json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from selforg.errors import DataError
from selforg.judging.rubric import DIMENSIONS
from selforg.paths import Paths
from selforg.ratings import RatingStore
from selforg.reporting.paths import ReportPaths
from selforg.tables import read_table
from stages.aggregate import aggregate
from tests.analysis.test_aggregate_synthetic import synthetic_tables
from tests.test_report import study_params


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic study two raters rated: ann one point above judge-a, bo equal to it."""
    root = tmp_path_factory.mktemp("human")
    synthetic_tables(per_level=2, ns=(4,)).write(root / "data")
    (root / "params.yaml").write_text(yaml.safe_dump(study_params(self_judging=False)))
    paths = Paths(root)
    judgments = read_table("judgments", paths.judgments)
    first = judgments[(judgments["judge_model"] == "judge-a") & (judgments["sample"] == 0)
                      & (judgments["status"] == "ok")].head(12)
    store = RatingStore(paths.human_ratings)
    for _, row in first.iterrows():
        store.save("ann", row["run_id"], {d: min(4, int(row[d]) + 1) for d in DIMENSIONS}, 30)
        store.save("bo", row["run_id"], {d: int(row[d]) for d in DIMENSIONS}, 20)
    for name in ("prompts", "prompt_texts", "judge_prompts", "judge_prompt_texts"):
        paths.table(name).write_bytes(b"not parquet: aggregate must never read the prompt log")
    aggregate(root / "params.yaml", root)
    return root


def test_agreement_is_reported_and_in_metrics(project: Path) -> None:
    out = ReportPaths(Paths(project))
    report = out.markdown.read_text()
    section = report[report.index("## Human ratings"):report.index("## Design adequacy")]
    assert "24 blind rating(s) by 2 rater(s) of 12 judged run(s)" in section
    assert "| Q |" in section and "judge-a" in section and "judge-b" in section
    metrics = json.loads(out.metrics.read_text())
    assert metrics["human.ratings"] == 24 and metrics["human.raters"] == 2
    assert metrics["human.runs"] == 12
    for key in ("human.icc_q", "human.alpha_q", "human.spearman_q", "human.bias_q",
                "human.bias_accuracy", "human.raters_alpha_q"):
        assert key in metrics
    assert metrics["human_ci_low.bias_accuracy"] is None or \
        metrics["human_ci_low.bias_accuracy"] <= metrics["human.bias_accuracy"]


def test_a_rerating_replaces_the_old_rating(tmp_path: Path) -> None:
    store = RatingStore(tmp_path / "r.parquet")
    store.save("ann", "run-1", dict.fromkeys(DIMENSIONS, 2), 5)
    store.save("ann", "run-1", dict.fromkeys(DIMENSIONS, 3), 5)
    store.save("bo", "run-1", dict.fromkeys(DIMENSIONS, 1), 5)
    ratings = store.ratings()
    assert len(ratings) == 2
    assert ratings.set_index("rater").loc["ann", "accuracy"] == 3


def test_an_invalid_rating_is_refused_and_nothing_written(tmp_path: Path) -> None:
    store = RatingStore(tmp_path / "r.parquet")
    with pytest.raises(DataError, match=r"accuracy in 1\.\.4"):
        store.save("ann", "run-1", {**dict.fromkeys(DIMENSIONS, 2), "accuracy": 7}, 5)
    assert not (tmp_path / "r.parquet").exists()


def test_a_corrupt_ratings_file_stops_aggregate(project: Path, tmp_path: Path) -> None:
    shutil.copytree(project / "data", tmp_path / "data")
    shutil.copy(project / "params.yaml", tmp_path / "params.yaml")
    Paths(tmp_path).human_ratings.write_bytes(b"garbage")
    with pytest.raises(DataError, match=r"git checkout -- data/human_ratings\.parquet"):
        aggregate(tmp_path / "params.yaml", tmp_path)
    assert not (tmp_path / "reports" / "metrics.json").exists()
