"""`selforg rate`: blind human rating of a randomised sample of runs, in the browser.

Routes: `/` asks for a rater id; `/rate?rater=ID` shows the rater's next unrated answer
(`&item=K` a given one, pre-filled when rated before); POST `/rate` saves a rating and moves
on; `/ratings?rater=ID` lists the rater's saved ratings. The sample and each rater's order come
from selforg.ratings; the texts are cut as the judge prompt cuts them.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from selforg.judging.prompt import MAX_ANSWER_CHARS, MAX_TASK_CHARS, truncate
from selforg.judging.rubric import DIMENSIONS, SCORE_LEVELS
from selforg.paths import Paths
from selforg.ratings import RatingStore, blind_sample, rater_order
from selforg.tables import read_table
from selforg.validation import validate
from selforg.view.rate_page import done_html, item_html, problem_html, ratings_html, start_html
from selforg.view.server import Query, Response, not_found

RATER = re.compile(r"[A-Za-z0-9_.@-]{1,40}")


def _one(query: Query, name: str) -> str:
    values = query.get(name) or [""]
    return values[0].strip()


class RateApp:
    def __init__(self, root: Path, sample_size: int, seed: int) -> None:
        paths = Paths(root)
        runs = read_table("runs", paths.runs)
        tasks = read_table("tasks", paths.tasks)
        self.sample = blind_sample(runs, sample_size, seed)
        self.answers = dict(zip(runs["run_id"], runs["final_answer"], strict=True))
        prompt = dict(zip(tasks["task_id"], tasks["prompt"], strict=True))
        self.tasks = {r: prompt[t] for r, t in zip(runs["run_id"], runs["task_id"], strict=True)}
        self.store = RatingStore(paths.human_ratings)
        validate("human_ratings", self.store.ratings())  # a bad file fails now, not mid-rating

    def handle(self, method: str, path: str, query: Query, form: Query) -> Response:
        if path in ("/", "/index.html") and method == "GET":
            return Response(200, start_html(len(self.sample)))
        if path == "/rate" and method == "GET":
            return self._show(_one(query, "rater"), _one(query, "item"))
        if path == "/rate" and method == "POST":
            return self._save(form)
        if path == "/ratings" and method == "GET":
            return self._list(_one(query, "rater"))
        return not_found("page")

    def _order(self, rater: str) -> list[str] | Response:
        if not RATER.fullmatch(rater):
            return Response(400, problem_html("A rater id is 1 to 40 letters, digits or . _ - @."))
        if not self.sample:
            return Response(200, problem_html("This study has no finished run to rate yet."))
        return rater_order(self.sample, rater)

    def _rated(self, rater: str) -> dict[str, dict[str, int]]:
        ratings = self.store.ratings()
        mine = ratings[ratings["rater"] == rater]
        return {r["run_id"]: {d: int(r[d]) for d in DIMENSIONS} for r in mine.to_dict("records")}

    def _show(self, rater: str, item: str) -> Response:
        order = self._order(rater)
        if isinstance(order, Response):
            return order
        rated = self._rated(rater)
        if item.isdigit() and 1 <= int(item) <= len(order):
            k = int(item)
        else:
            todo = [i for i, run in enumerate(order, start=1) if run not in rated]
            if not todo:
                return Response(200, done_html(rater, len(order)))
            k = todo[0]
        run = order[k - 1]
        task = truncate(self.tasks[run].strip(), MAX_TASK_CHARS)
        answer = truncate((self.answers[run] or "").strip(), MAX_ANSWER_CHARS)
        return Response(200, item_html(rater, k, len(order), task, answer, time.time(),
                                       rated.get(run)))

    def _save(self, form: Query) -> Response:
        rater, item = _one(form, "rater"), _one(form, "item")
        order = self._order(rater)
        if isinstance(order, Response):
            return order
        if not (item.isdigit() and 1 <= int(item) <= len(order)):
            return Response(400, problem_html(f"There is no answer {item!r} in the sample."))
        scores: dict[str, int] = {}
        for dim in DIMENSIONS:
            value = _one(form, dim)
            if not (value.isdigit() and int(value) in SCORE_LEVELS):
                return Response(400, problem_html(f"Score every criterion from 1 to 4 "
                                                  f"({dim} is missing)."))
            scores[dim] = int(value)
        try:
            seconds = max(0.0, time.time() - float(_one(form, "shown_at")))
        except ValueError:
            seconds = 0.0
        self.store.save(rater, order[int(item) - 1], scores, seconds)
        return Response(303, "", location=f"/rate?rater={rater}")

    def _list(self, rater: str) -> Response:
        order = self._order(rater)
        if isinstance(order, Response):
            return order
        position = {run: i for i, run in enumerate(order, start=1)}
        ratings = self.store.ratings()
        mine = ratings[(ratings["rater"] == rater) & ratings["run_id"].isin(position)]
        records = sorted(mine.to_dict("records"), key=lambda r: position[r["run_id"]])
        rows: list[dict[str, object]] = [
            {"item": position[r["run_id"]], **{d: int(r[d]) for d in DIMENSIONS},
             "rated_at": str(r["rated_at"])[:19], "seconds": float(r["seconds"])}
            for r in records]
        return Response(200, ratings_html(rater, rows))
