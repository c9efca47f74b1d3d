"""Reading and writing the study tables (parquet, through DuckDB) against selforg.schema.

Writes are atomic: the file is written beside its destination and renamed into place, so a
killed stage never leaves a half-written table that a later stage would take as complete.
Reads check that the file exists, is readable parquet and has the schema's columns; anything
else is a DataError naming the file and the command that rebuilds it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from selforg.errors import DataError
from selforg.schema import TABLES

PRODUCER = {"tasks": "generate_tasks", "runs": "run_protocol", "turns": "run_protocol",
            "judgments": "judge", "prompts": "run_protocol", "prompt_texts": "run_protocol",
            "judge_prompts": "judge", "judge_prompt_texts": "judge"}
# Parquet options per table (default: DuckDB's, snappy). The prompt log is mostly text, which
# zstd stores in about half the space of snappy (measured on the smoke study's and
# bench/analysis_scale.py's prompt logs), and the viewer reads one run's rows of it: small row
# groups let DuckDB skip all others (calls are sorted by run, texts by first use).
PARQUET_OPTIONS = {
    **dict.fromkeys(("prompts", "judge_prompts"), "COMPRESSION zstd, ROW_GROUP_SIZE 4096"),
    **dict.fromkeys(("prompt_texts", "judge_prompt_texts"),
                    "COMPRESSION zstd, ROW_GROUP_SIZE 2048"),
}
# Human ratings are made by people, not by a stage: they are kept in git and cannot be rebuilt.
RESTORE_RATINGS = ("restore it from git (`git checkout -- data/human_ratings.parquet`), or "
                   "create an empty one with `selforg rate --init`")


def rebuild_hint(name: str) -> str:
    if name == "human_ratings":
        return RESTORE_RATINGS
    return f"rebuild it with `dvc repro {PRODUCER[name]}` (or `selforg run`)"


def _select_sql(name: str) -> str:
    return ", ".join(f'CAST("{c.name}" AS {c.sql_type}) AS "{c.name}"' for c in TABLES[name])


def write_table(name: str, rows: Sequence[dict[str, Any]], path: Path) -> None:
    """Write rows (dicts keyed by the schema's columns) as parquet, atomically."""
    columns = [c.name for c in TABLES[name]]
    for i, row in enumerate(rows):
        if set(row) != set(columns):
            missing, extra = set(columns) - set(row), set(row) - set(columns)
            raise ValueError(f"{name} row {i}: missing {sorted(missing)}, extra {sorted(extra)}")
    frame = pd.DataFrame(list(rows), columns=columns)  # noqa: F841 (read by DuckDB by name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    con = duckdb.connect()
    try:
        if rows:
            con.execute(f"CREATE TABLE t AS SELECT {_select_sql(name)} FROM frame")
        else:
            ddl = ", ".join(f'"{c.name}" {c.sql_type}' for c in TABLES[name])
            con.execute(f"CREATE TABLE t ({ddl})")
        options = PARQUET_OPTIONS.get(name, "COMPRESSION snappy")
        con.execute(f"COPY t TO '{tmp}' (FORMAT PARQUET, {options})")
    finally:
        con.close()
    os.replace(tmp, path)


def read_table(name: str, path: Path) -> pd.DataFrame:
    """Read and check one table; DataError with the fix when it is missing or corrupt."""
    if not path.is_file():
        raise DataError(f"{path} does not exist", rebuild_hint(name))
    con = duckdb.connect()
    try:
        frame = con.execute(f"SELECT * FROM read_parquet('{path}')").df()
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0][:200]
        raise DataError(f"{path} is not a readable parquet file ({first})",
                        f"delete it and {rebuild_hint(name)}") from None
    finally:
        con.close()
    expected = [c.name for c in TABLES[name]]
    if list(frame.columns) != expected:
        raise DataError(f"{path} has columns {list(frame.columns)}, expected {expected}",
                        f"it was written by another selforg version; {rebuild_hint(name)}")
    return frame
