"""The viewer's read side: DuckDB over the study's parquet files.

At the reference scale (25,000 runs, a million turns and their prompts) nothing is loaded
whole. Opening a store builds one in-memory table, the run index (a row per run with its
task, setting, panel Q and M, cost), which every study page filters, sorts and pages in SQL.
A run page reads that run's turns, prompts and judgments straight from the parquet files:
every table is written sorted by run_id, so DuckDB skips the row groups that cannot hold it.
A prompt's texts are found by row number: the text tables are written in order of first use
in small row groups, so a run's texts sit in a few of them; on the first run page the store
reads the text_id column once and keeps an id -> row index (16 bytes a text), and DuckDB then
reads only the row groups holding the wanted rows. A search scans only the contribution
column and keeps its last results.

tasks, runs and turns must exist; the judgments and the prompt log may not (a study not yet
judged, or run before prompts were kept): their pages then say so instead of failing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from selforg.errors import DataError
from selforg.paths import Paths
from selforg.prompt_log import messages_of
from selforg.schema import TABLES, column_names
from selforg.tables import rebuild_hint
from selforg.view.filters import BASELINE, FIELDS, PER_PAGE, Filters

REQUIRED = ("tasks", "runs", "turns")
OPTIONAL = ("judgments", "prompts", "prompt_texts", "judge_prompts", "judge_prompt_texts")
SEARCH_CACHE = 8
SNIPPET_CHARS = 160

RUN_INDEX_SQL = """
CREATE TABLE run_index AS
WITH per_judge AS (
    SELECT run_id, judge_model, AVG(q) AS q, AVG(m) AS m
    FROM judgments WHERE status = 'ok' AND q IS NOT NULL GROUP BY run_id, judge_model
), panel AS (
    SELECT run_id, AVG(q) AS q, AVG(m) AS m FROM per_judge GROUP BY run_id
)
SELECT row_number() OVER (ORDER BY r.task_id, r.protocol, r.n_agents, r.model, r.replicate,
                          r.shock NULLS FIRST, r.run_id) AS pos,
       r.run_id, r.task_id, t.title, t.level, r.protocol, r.model, r.n_agents, r.replicate,
       COALESCE(r.shock, '') AS shock, r.status, p.q, p.m, r.cost_usd,
       r.prompt_tokens + r.completion_tokens AS tokens, r.latency_s, r.n_calls
FROM runs r JOIN tasks t USING (task_id) LEFT JOIN panel p USING (run_id)
ORDER BY pos
"""
INDEX_COLUMNS = ("run_id", "task_id", "title", "level", "protocol", "model", "n_agents",
                 "replicate", "shock", "status", "q", "m", "cost_usd", "tokens", "latency_s",
                 "n_calls")


@dataclass(frozen=True)
class Page:
    """One page of the study list: its rows, the total matching, and search snippets."""

    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    snippets: dict[str, tuple[int, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Prompt:
    """One call's exact request, rebuilt from the prompt log."""

    messages: list[dict[str, str]]
    schema: str | None
    max_tokens: int
    temperature: float
    seeds: list[int]


@dataclass(frozen=True)
class RunDetail:
    """Everything a run page shows."""

    run: dict[str, Any]
    task: dict[str, Any]
    q: float | None
    m: float | None
    turns: list[dict[str, Any]]
    prompts: dict[tuple[int, int], Prompt]
    judgments: list[dict[str, Any]]
    judge_prompts: dict[tuple[str, int], Prompt]
    siblings: list[dict[str, Any]]
    has_prompt_log: bool


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


class StudyStore:
    """Read-only access to one study's tables; safe to share between server threads."""

    def __init__(self, root: Path) -> None:
        self.paths = Paths(root)
        self.con = duckdb.connect()
        self.present: set[str] = set()
        for name in (*REQUIRED, *OPTIONAL):
            self._attach(name, required=name in REQUIRED)
        self.con.execute(RUN_INDEX_SQL)
        self._searches: OrderedDict[str, dict[str, tuple[int, str]]] = OrderedDict()
        self._rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()

    def _attach(self, name: str, required: bool) -> None:
        """A view over the table's file, or an empty table of its schema if it is optional and
        missing; a file with other columns (another selforg version) is a DataError."""
        path = self.paths.table(name)
        if not path.is_file():
            if required:
                raise DataError(f"{path} does not exist", rebuild_hint(name))
            ddl = ", ".join(f'"{c.name}" {c.sql_type}' for c in TABLES[name])
            self.con.execute(f"CREATE TABLE {name} ({ddl})")
            return
        try:
            found = [r[0] for r in self.con.execute(
                f"DESCRIBE SELECT * FROM read_parquet({_quoted(path)})").fetchall()]
        except duckdb.Error as exc:
            raise DataError(f"{path} is not a readable parquet file "
                            f"({str(exc).splitlines()[0][:200]})",
                            f"delete it and {rebuild_hint(name)}") from None
        if found != column_names(name):
            raise DataError(f"{path} has columns {found}, expected {column_names(name)}",
                            f"it was written by another selforg version; {rebuild_hint(name)}")
        self.con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({_quoted(path)})")
        self.present.add(name)

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of the shared connection: one per request, so threads never share one."""
        return self.con.cursor()

    def _records(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cur = self._cursor()
        try:
            result = cur.execute(sql, params or [])
            names = [d[0] for d in result.description]
            return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        finally:
            cur.close()

    # -- the study list -------------------------------------------------------------------

    def facets(self) -> dict[str, list[str]]:
        """The values each filter can take, for the selects."""
        out: dict[str, list[str]] = {}
        for name in FIELDS:
            order = "ORDER BY v::INTEGER" if name == "n_agents" else "ORDER BY v"
            rows = self._records(f"SELECT DISTINCT CAST({name} AS VARCHAR) AS v FROM run_index "
                                 f"{order}")
            out[name] = [BASELINE if r["v"] == "" and name == "shock" else r["v"] for r in rows]
        return out

    def search(self, text: str) -> dict[str, tuple[int, str]]:
        """Runs with a turn whose contribution contains `text` (case-insensitive): the first
        such turn's agent and a snippet around the match. The last searches are kept."""
        key = text.lower()
        with self._lock:
            if key in self._searches:
                self._searches.move_to_end(key)
                return self._searches[key]
        rows = self._records(
            "SELECT run_id, arg_min(agent, (round, agent)) AS agent, "
            "arg_min(contribution, (round, agent)) AS text FROM turns "
            "WHERE contains(lower(contribution), ?) GROUP BY run_id", [key])
        found = {r["run_id"]: (int(r["agent"]), snippet(r["text"], key)) for r in rows}
        with self._lock:
            self._searches[key] = found
            while len(self._searches) > SEARCH_CACHE:
                self._searches.popitem(last=False)
        return found

    def runs_page(self, filters: Filters, per_page: int = PER_PAGE) -> Page:
        """The page of runs the filters select, in index order (task, protocol, N, ...)."""
        where: list[str] = []
        params: list[Any] = []
        for name, value in filters.active().items():
            if name == "shock" and value == BASELINE:
                where.append("shock = ''")
            else:
                where.append(f"CAST({name} AS VARCHAR) = ?")
                params.append(value)
        snippets: dict[str, tuple[int, str]] = {}
        if filters.search:
            snippets = self.search(filters.search)
            where.append("run_id IN (SELECT unnest(?::VARCHAR[]))")  # a hash semi-join
            params.append(list(snippets))
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        total = int(self._records(f"SELECT count(*) AS n FROM run_index {clause}", params)[0]["n"])
        pages = max(1, -(-total // per_page))
        page = min(filters.page, pages)
        rows = self._records(f"SELECT {', '.join(INDEX_COLUMNS)} FROM run_index {clause} "
                             f"ORDER BY pos LIMIT {per_page} OFFSET {(page - 1) * per_page}",
                             params)
        shown = {r["run_id"] for r in rows}
        return Page(rows, total, page, pages, {k: v for k, v in snippets.items() if k in shown})

    def all_runs(self) -> list[dict[str, Any]]:
        """Every run of the index, in order (for a static bundle)."""
        return self._records(f"SELECT {', '.join(INDEX_COLUMNS)} FROM run_index ORDER BY pos")

    def search_texts(self) -> dict[str, str]:
        """Per run, its contributions lowercased and joined: a bundle's search index."""
        rows = self._records("SELECT run_id, lower(string_agg(contribution, ' ' ORDER BY round, "
                             "agent)) AS text FROM turns GROUP BY run_id")
        return {r["run_id"]: r["text"] or "" for r in rows}

    # -- one run --------------------------------------------------------------------------

    def run_ids(self) -> list[str]:
        return [r["run_id"] for r in self._records("SELECT run_id FROM run_index ORDER BY pos")]

    def run(self, run_id: str) -> RunDetail | None:
        """One run with its task, turns, prompts, judgments and sibling runs; None if unknown."""
        runs = self._records("SELECT * FROM runs WHERE run_id = ?", [run_id])
        if not runs:
            return None
        run = runs[0]
        index = self._records("SELECT q, m FROM run_index WHERE run_id = ?", [run_id])[0]
        task = self._records("SELECT * FROM tasks WHERE task_id = ?", [run["task_id"]])[0]
        turns = self._records("SELECT * FROM turns WHERE run_id = ? ORDER BY round, agent",
                              [run_id])
        judgments = self._records("SELECT * FROM judgments WHERE run_id = ? "
                                  "ORDER BY judge_model, sample", [run_id])
        siblings = self._records(f"SELECT {', '.join(INDEX_COLUMNS)} FROM run_index "
                                 "WHERE task_id = ? AND run_id <> ? ORDER BY pos",
                                 [run["task_id"], run_id])
        prompts = {(int(k[0]), int(k[1])): p for k, p in
                   self._prompts("prompts", "prompt_texts", ("agent", "round"), run_id).items()}
        judge_prompts = {(str(k[0]), int(k[1])): p for k, p in
                         self._prompts("judge_prompts", "judge_prompt_texts",
                                       ("judge_model", "sample"), run_id).items()}
        return RunDetail(run, task, index["q"], index["m"], turns, prompts, judgments,
                         judge_prompts, siblings, has_prompt_log="prompts" in self.present)

    def _text_index(self, table: str) -> tuple[np.ndarray, np.ndarray]:
        """(sorted text ids, the row number of each in the file) of a text table, read once."""
        with self._lock:
            if table not in self._rows:
                cur = self._cursor()
                try:
                    ids = cur.execute(f"SELECT text_id FROM {table}").fetchnumpy()["text_id"]
                finally:
                    cur.close()
                ids = np.asarray(ids, dtype=np.int64)
                order = np.argsort(ids, kind="stable")
                self._rows[table] = (ids[order], order)
            return self._rows[table]

    def _texts(self, table: str, ids: list[int]) -> dict[int, str]:
        """The texts of `ids`, read by row number so only their row groups are read."""
        if not ids or table not in self.present:
            return {}
        sorted_ids, rows = self._text_index(table)
        at = np.searchsorted(sorted_ids, np.asarray(ids, dtype=np.int64))
        found = (at < len(sorted_ids)) & (sorted_ids[np.minimum(at, len(sorted_ids) - 1)]
                                          == np.asarray(ids, dtype=np.int64))
        wanted = ", ".join(str(int(r)) for r in sorted(rows[at[found]]))
        if not wanted:
            return {}
        path = _quoted(self.paths.table(table))
        # A constant IN list (integers, so inlining is safe): DuckDB prunes row groups with it.
        return {int(t["text_id"]): t["text"] for t in self._records(
            f"SELECT text_id, text FROM read_parquet({path}, file_row_number = true) "
            f"WHERE file_row_number IN ({wanted})")}

    def _prompts(self, calls: str, texts: str, key: tuple[str, str],
                 run_id: str) -> dict[tuple[Any, Any], Prompt]:
        """The run's calls of one prompt log, keyed by `key`, with their texts looked up."""
        rows = self._records(f"SELECT * FROM {calls} WHERE run_id = ?", [run_id])
        ids = sorted({int(p) for r in rows for parts in r["parts"] for p in parts}
                     | {int(r["response_schema"]) for r in rows
                        if r["response_schema"] is not None})
        lookup = self._texts(texts, ids)
        out = {}
        for r in rows:
            schema = r["response_schema"]
            out[(r[key[0]], r[key[1]])] = Prompt(
                messages_of(r, lookup), lookup.get(int(schema)) if schema is not None else None,
                int(r["max_tokens"]), float(r["temperature"]), [int(s) for s in r["seeds"]])
        return out


def snippet(text: str, term: str, chars: int = SNIPPET_CHARS) -> str:
    """The part of `text` around the first match of `term` (lowercase), about `chars` long."""
    at = text.lower().find(term)
    start = max(0, at - chars // 3) if at >= 0 else 0
    cut = text[start:start + chars]
    return ("..." if start else "") + cut + ("..." if start + chars < len(text) else "")
