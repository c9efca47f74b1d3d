"""Blind human ratings: which runs a rater sees, and the table their ratings are kept in.

data/human_ratings.parquet is made by people, not by a stage, so it can never be rebuilt: no
stage writes it (`dvc repro` cannot overwrite it), it is an input of the aggregate stage, and
it is kept in git, so every rating is a committed, reviewable change. `selforg rate` writes it
through `RatingStore.save`, atomically and once per rating, so a closed browser or a killed
server loses at most the rating being typed.

The sample is blind and the same for every rater: ok baseline runs (no shock), drawn in a
seeded order, so ratings of several raters overlap and inter-rater agreement is computable.
Each rater sees them in an order of their own (seeded by the rater id), so no position effect
is shared by all raters.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from selforg.judging.rubric import DIMENSIONS
from selforg.schema import column_names
from selforg.seeds import stable_seed
from selforg.tables import read_table, write_table
from selforg.validation import validate


def empty_ratings() -> pd.DataFrame:
    return pd.DataFrame(columns=column_names("human_ratings"))


def load_ratings(path: Path) -> pd.DataFrame:
    """The ratings table; an empty one when the file does not exist (nobody has rated yet)."""
    return read_table("human_ratings", path) if path.is_file() else empty_ratings()


def init_ratings(path: Path) -> bool:
    """Create an empty ratings table unless one exists; True when it was created."""
    if path.is_file():
        return False
    write_table("human_ratings", [], path)
    return True


def blind_sample(runs: pd.DataFrame, size: int, seed: int = 0) -> list[str]:
    """Up to `size` run ids of ok baseline runs with an answer, in a seeded order."""
    eligible = runs[(runs["status"] == "ok") & runs["shock"].isna()
                    & runs["final_answer"].fillna("").str.strip().astype(bool)]
    ids = sorted(eligible["run_id"])
    random.Random(stable_seed("blind-sample", seed)).shuffle(ids)
    return ids[:size]


def rater_order(sample: list[str], rater: str) -> list[str]:
    """The sample in this rater's own order."""
    order = list(sample)
    random.Random(stable_seed("rater-order", rater)).shuffle(order)
    return order


class RatingStore:
    """Reads and writes the ratings table for one server; one writer at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def ratings(self) -> pd.DataFrame:
        with self._lock:
            return load_ratings(self.path)

    def save(self, rater: str, run_id: str, scores: Mapping[str, int], seconds: float) -> None:
        """Store one rating; a rater's new rating of a run replaces the old one."""
        row: dict[str, Any] = {"rater": rater, "run_id": run_id,
                               **{d: int(scores[d]) for d in DIMENSIONS},
                               "rated_at": datetime.now(UTC).replace(tzinfo=None),
                               "seconds": max(0.0, float(seconds))}
        with self._lock:
            current = load_ratings(self.path)
            keep = current[~((current["rater"] == rater) & (current["run_id"] == run_id))]
            rows = [*keep.to_dict("records"), row]
            validate("human_ratings", rows)
            write_table("human_ratings", rows, self.path)
