"""Blind rating without a browser: the sample, bad input refused, nothing half-saved."""

from __future__ import annotations

from pathlib import Path

import pytest

from selforg.errors import DataError
from selforg.judging.rubric import DIMENSIONS
from selforg.paths import Paths
from selforg.ratings import RatingStore, blind_sample, load_ratings, rater_order
from selforg.tables import read_table
from selforg.view.rate_app import RateApp
from tests.view.test_store import main_code


def test_the_sample_is_ok_baseline_runs_shared_by_raters(study: Path) -> None:
    runs = read_table("runs", Paths(study).runs)
    sample = blind_sample(runs, 100)
    # a run whose final answer is empty (all agents abstained) has nothing to rate
    answered = runs["final_answer"].fillna("").str.strip().astype(bool)
    eligible = runs[(runs["status"] == "ok") & runs["shock"].isna() & answered]
    assert len(eligible) >= 3
    assert sorted(sample) == sorted(eligible["run_id"])
    assert blind_sample(runs, 3) == sample[:3] == blind_sample(runs, 3, seed=0)
    assert blind_sample(runs, 100, seed=1) != sample
    ann, bo = rater_order(sample, "ann"), rater_order(sample, "bo")
    assert sorted(ann) == sorted(bo) == sorted(sample) and ann != bo


def test_bad_ratings_are_refused_and_nothing_is_saved(study_copy: Path) -> None:
    app = RateApp(study_copy, sample_size=3, seed=0)
    full = {"rater": ["ann"], "item": ["1"], "shown_at": ["0"],
            **{d: ["2"] for d in DIMENSIONS}}
    assert app.handle("GET", "/rate", {"rater": ["bad id!"]}, {}).status == 400
    assert app.handle("POST", "/rate", {}, {**full, "mission": ["5"]}).status == 400
    assert app.handle("POST", "/rate", {}, {**full, "coherence": []}).status == 400
    assert app.handle("POST", "/rate", {}, {**full, "item": ["9"]}).status == 400
    assert load_ratings(Paths(study_copy).human_ratings).empty
    saved = app.handle("POST", "/rate", {}, full)
    assert saved.status == 303 and saved.location == "/rate?rater=ann"
    assert len(load_ratings(Paths(study_copy).human_ratings)) == 1
    for item in ("2", "3"):
        app.handle("POST", "/rate", {}, {**full, "item": [item]})
    assert "All 3 answers rated" in app.handle("GET", "/rate", {"rater": ["ann"]}, {}).body


def test_rate_init_creates_the_table_once(tmp_path: Path) -> None:
    assert main_code(["rate", "--root", str(tmp_path), "--init"]) == 0
    path = Paths(tmp_path).human_ratings
    assert path.is_file() and load_ratings(path).empty
    RatingStore(path).save("ann", "run-1", dict.fromkeys(DIMENSIONS, 3), 4.0)
    assert main_code(["rate", "--root", str(tmp_path), "--init"]) == 0
    assert len(load_ratings(path)) == 1, "an existing table is left as it is"


def test_a_corrupt_ratings_file_stops_the_server_before_rating(study_copy: Path) -> None:
    Paths(study_copy).human_ratings.write_bytes(b"not parquet")
    with pytest.raises(DataError, match=r"git checkout -- data/human_ratings\.parquet"):
        RateApp(study_copy, sample_size=3, seed=0)
