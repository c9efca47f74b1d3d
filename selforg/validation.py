"""Great Expectations checks at every stage boundary.

`selforg.tables` already guarantees each file's columns and types; this module checks the
*values*: levels, statuses, score ranges, non-negative usage, unique keys and that every row
points at a row that exists upstream. Each stage validates what it reads before spending
anything (a corrupt runs table must not cost a judge panel) and what it writes before writing
it (nothing invalid ever lands in data/), so a failure stops the stage with a DataError (exit 2)
naming the table, the failed expectation and the offending rows.

Great Expectations runs in an ephemeral context (no project directory, nothing written, no
network) with a pandas data source. It is imported inside `validate` because the import costs
seconds, and its progress bars are switched off through the context so stage output stays clean.
Python cannot unload a module, and GE's import holds about 140 MB: a stage that is about to load
an in-process model checks its inputs in a short-lived child process (`validate_inputs` with
`apart=True`), so GE and the model never share the stage's memory; its outputs are validated
after the model is released.

Each table is checked by GE once: a stage records a receipt for every table file it writes or
checks (`Receipts`, under the call cache directory, keyed by the file's SHA-256 and the
suite's `suite_id`), and a stage reading a file with a receipt checks only its references. So
`aggregate`, whose four inputs were written by earlier stages, does not import GE at all, and a
model stage starts no child for inputs with receipts.

Referential integrity (runs.task_id in tasks, turns/judgments.run_id in runs) is checked with
plain pandas (`Series.isin`), not Great Expectations: GE has no cross-table expectation, and
`expect_column_values_to_be_in_set` over the parent's keys re-serialises the whole key list
for every metric it builds (measured: 3 s for 19,200 turns against 6,400 run ids, against
milliseconds with pandas). Its failures are reported in the same form as the expectations'.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import pandas as pd

from selforg.errors import DataError
from selforg.llm.structured import CHAIN
from selforg.schema import TABLES, column_names
from selforg.tables import PRODUCER, RESTORE_RATINGS
from selforg.tasks.levels import LEVELS

if TYPE_CHECKING:
    from great_expectations.core.expectation_validation_result import (
        ExpectationValidationResult,
    )
    from great_expectations.expectations import Expectation

Rows: TypeAlias = pd.DataFrame | Sequence[Mapping[str, Any]]

MAX_SHOWN = 5
# Part of every suite_id: raise it when the way a frame is prepared for GE changes (_hashable).
SUITE_FORMAT = 1
STATUSES = ["ok", "failed"]
MODES = list(CHAIN)
SCORES = ["accuracy", "completeness", "coherence", "actionability", "mission"]
# Columns that identify a row in an error message, so a user can find it in the table.
KEYS: dict[str, tuple[str, ...]] = {
    "tasks": ("task_id",),
    "runs": ("run_id",),
    "turns": ("run_id", "agent", "round"),
    "judgments": ("run_id", "judge_model", "sample"),
    "prompts": ("run_id", "agent", "round"),
    "judge_prompts": ("run_id", "judge_model", "sample"),
    "prompt_texts": ("text_id",),
    "judge_prompt_texts": ("text_id",),
    "human_ratings": ("rater", "run_id"),
}
# Each prompt-log call table: its text table and the table whose rows its calls belong to.
PROMPT_LOG: dict[str, tuple[str, str]] = {"prompts": ("prompt_texts", "turns"),
                                          "judge_prompts": ("judge_prompt_texts", "judgments")}
COLUMNS_EXPECTATION = "expect_table_columns_to_match_ordered_list"
# The referenced table and key of each table that points upstream.
PARENT: dict[str, tuple[str, str]] = {"runs": ("tasks", "task_id"), "turns": ("runs", "run_id"),
                                      "judgments": ("runs", "run_id")}


def validate(name: str, frame: Rows, *, tasks: Rows | None = None,
             runs: Rows | None = None) -> None:
    """Check one table's values; DataError listing every failed expectation.

    `frame` is a DataFrame (as read) or the row dicts a stage is about to write. `tasks` and
    `runs` are the referenced tables: `tasks` is used for runs, `runs` for turns and judgments,
    and either is ignored where the table does not reference it (so a caller holding all
    tables can pass both everywhere). Without them referential integrity is not checked.
    """
    _validate(name, frame, {"tasks": tasks, "runs": runs}, suite=True)


def _validate(name: str, frame: Rows, refs: Mapping[str, Rows | None], *, suite: bool) -> None:
    """`validate`; without `suite`, only referential integrity (the file has a receipt)."""
    if name not in TABLES:
        raise ValueError(f"unknown table {name!r}; expected one of {sorted(TABLES)}")
    data = _frame(name, frame)
    problems = _suite_problems(name, data) if suite else []
    parent = PARENT.get(name)
    if parent is not None and parent[1] in data.columns:
        table, column = parent
        referenced = refs.get(table)
        if referenced is not None:
            problems += _dangling(name, data, column, table, _keys(referenced, column))
    _raise(name, problems)


def _suite_problems(name: str, data: pd.DataFrame) -> list[tuple[str, str]]:
    """The failed expectations of the table's suite.

    A table with no rows and the schema's columns passes every rule (each is about values;
    tests/test_validation.py checks GE agrees for every table), so GE is not started for it:
    a study without human ratings does not import GE to check an empty table.
    """
    if data.empty and list(data.columns) == column_names(name):
        return []
    return _problems(name, data, _run_suite(name, _hashable(name, data), _expectations(name)))


@dataclass(frozen=True)
class Check:
    """One table a stage reads: its name, its rows as read, the tables it references
    (`tasks`, `runs`) and the file it was read from, for receipts (None: not from a file)."""

    name: str
    frame: pd.DataFrame
    refs: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    path: Path | None = None


class Receipts:
    """The table files that have passed their suite, one empty file each under
    `<cache dir>/validated/`, named by table, `suite_id` and the SHA-256 of the file's bytes.

    A stage records a receipt for each table it writes (its rows passed before writing) and
    for each input it checked; a later stage reading a file with a receipt checks only its
    references. So a study's tables are checked by GE once each, and a stage whose inputs
    all have receipts does not import GE for them (seconds per stage process). A file that
    changed in any byte, or a changed rule or GE version, has no receipt and is checked again.
    """

    def __init__(self, cache_dir: Path) -> None:
        self.directory = cache_dir / "validated"

    def key(self, name: str, path: Path) -> str:
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        return f"{name}-{suite_id(name)}-{digest}"

    def has(self, key: str) -> bool:
        return (self.directory / key).is_file()

    def add(self, key: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / key).touch()

    def record(self, name: str, path: Path) -> None:
        """A receipt for a table file a stage has just written from validated rows."""
        self.add(self.key(name, path))


def validate_inputs(checks: Sequence[Check], *, apart: bool,
                    receipts: Receipts | None = None) -> None:
    """Validate a stage's inputs in order, stopping at the first table that fails.

    With `receipts`, a file that has one is checked for its references only (`Receipts`),
    and each file checked in full gets one. With `apart`, the checks run in a child process
    that exits before the stage goes on (see the module's docstring): a spawned one, as a fork
    would inherit the threads of pyarrow and DuckDB. It costs the child's imports (a few
    seconds), so stages ask for it only when they load a model in-process
    (`selforg.llm.providers.loads_in_process`), and it is not started when every input has a
    receipt.
    """
    keys = [receipts.key(c.name, c.path) if receipts and c.path else None for c in checks]
    todo = [(check, not (receipts and key and receipts.has(key)))
            for check, key in zip(checks, keys, strict=True)]
    if apart and any(suite for _, suite in todo):
        with ProcessPoolExecutor(max_workers=1,
                                 mp_context=multiprocessing.get_context("spawn")) as child:
            problems = child.submit(_problems_of, todo).result()
        if problems:
            raise DataError(problems)
    else:
        _check_all(todo)
    if receipts is not None:
        for (_, suite), key in zip(todo, keys, strict=True):
            if suite and key is not None:
                receipts.add(key)


def _check_all(todo: Sequence[tuple[Check, bool]]) -> None:
    for check, suite in todo:
        _validate(check.name, check.frame, check.refs, suite=suite)


def _problems_of(todo: Sequence[tuple[Check, bool]]) -> list[tuple[str, str]]:
    """The first failing table's problems (in the child: a DataError's problems pickle as
    data, the exception itself would not keep them)."""
    try:
        _check_all(todo)
    except DataError as exc:
        return exc.problems
    return []


def _raise(name: str, problems: list[tuple[str, str]]) -> None:
    """A DataError of the problems, the last one carrying the fix for this table."""
    if not problems:
        return
    if name == "human_ratings":
        fix = ("human_ratings is written by `selforg rate`; if the file was edited by hand, "
               f"{RESTORE_RATINGS}")
    else:
        producer = PRODUCER[name]
        fix = (f"{name} is produced by stage {producer}; if the file was edited or copied by "
               f"hand, rebuild it with `dvc repro {producer}` (or `selforg run`), otherwise "
               "this is a bug in that stage: report it with the lines above")
    problems[-1] = (problems[-1][0], fix)
    raise DataError(problems)


def validate_prompt_log(name: str, calls: Rows, texts: Rows, owners: Rows) -> None:
    """Check a prompt log: its two tables' values, and that nothing in it dangles.

    `name` is a call table ("prompts" or "judge_prompts"); `texts` is its text table and
    `owners` the table its calls belong to (turns or judgments). Every call must key one
    owner row, once; every part and schema id must be in the text table; a call has as many
    part lists as roles. Pandas and DuckDB, like the other cross-table checks: GE has no
    cross-table expectation.
    """
    text_table, owner = PROMPT_LOG[name]
    validate(name, calls)
    validate(text_table, texts)
    frame = _frame(name, calls)
    keys = list(KEYS[name])
    problems: list[tuple[str, str]] = []
    twice = frame.index[frame.duplicated(keys, keep=False)].tolist()
    if twice:
        problems.append((f"{name} table has calls keyed twice ({', '.join(keys)} unique): "
                         f"{_rows(name, frame, keys[0], twice, len(twice))}", ""))
    owned = _frame(owner, owners)[keys].drop_duplicates()
    marked = frame[keys].merge(owned.assign(_owned=True), on=keys, how="left")
    orphans = frame.index[marked["_owned"].isna().to_numpy()].tolist()
    if orphans:
        problems.append((f"{name} table fails referential integrity (every call keys a row "
                         f"of {owner}): {_rows(name, frame, keys[0], orphans, len(orphans))}", ""))
    uneven, unknown = _unjoinable(frame, _frame(text_table, texts))
    if uneven:
        problems.append((f"{name} table has calls whose roles and parts differ in length: "
                         f"{_rows(name, frame, 'roles', uneven, len(uneven))}", ""))
    if unknown:
        problems.append((f"{name} table points at texts missing from {text_table}: "
                         f"{_rows(name, frame, 'parts', unknown, len(unknown))}", ""))
    _raise(name, problems)


def _frame(name: str, rows: Rows) -> pd.DataFrame:
    """A positionally indexed frame, so GE's unexpected indexes are row numbers.

    Row dicts are put in schema order: `tables.write_table` writes them in that order whatever
    the dicts' key order, so only missing or extra keys are real column problems.
    """
    if isinstance(rows, pd.DataFrame):
        return rows.reset_index(drop=True)
    if not rows:
        return pd.DataFrame(columns=column_names(name))
    frame = pd.DataFrame(list(rows))
    schema = column_names(name)
    order = [c for c in schema if c in frame.columns]
    return frame[order + [c for c in frame.columns if c not in schema]]


def _hashable(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame GE validates: list-valued columns (VARCHAR[], INTEGER[]) as their lengths.

    GE fingerprints every batch with pandas' row hashing and falls back to pickling the whole
    frame when a cell is unhashable, as a list is: 20 s per million turns, twice per table.
    The suites only check list columns for nulls, which the lengths keep.
    """
    lists = [c.name for c in TABLES[name] if c.sql_type.endswith("[]") and c.name in frame]
    if not lists:
        return frame
    return frame.assign(**{c: frame[c].map(len, na_action="ignore") for c in lists})


def _keys(rows: Rows, column: str) -> pd.Series:
    """The key column of a referenced table (frame or row dicts)."""
    if isinstance(rows, pd.DataFrame):
        return rows[column]
    return pd.Series([r.get(column) for r in rows], dtype=object)


def _dangling(name: str, frame: pd.DataFrame, column: str, table: str,
              keys: pd.Series) -> list[tuple[str, str]]:
    """Referential integrity in pandas: rows whose key is missing from the referenced table."""
    bad = frame.index[~frame[column].isin(keys.dropna().unique())].tolist()
    if not bad:
        return []
    what = f"every {column} exists in {table}"
    return [(f"{name} table fails referential integrity ({what}): "
             f"{_rows(name, frame, column, bad, len(bad))}", "")]


UNJOINABLE_SQL = """
WITH ids AS (
    SELECT _i, unnest(flatten(parts)) AS id FROM calls
    UNION ALL
    SELECT _i, response_schema FROM calls WHERE response_schema IS NOT NULL
)
SELECT DISTINCT _i FROM ids ANTI JOIN texts ON ids.id = texts.text_id ORDER BY _i
"""


def _unjoinable(calls: pd.DataFrame, texts: pd.DataFrame) -> tuple[list[int], list[int]]:
    """Rows whose roles and parts differ in length, and rows naming an id not in `texts`.

    In DuckDB: a study's calls hold tens of millions of part ids.
    """
    import duckdb

    if calls.empty:
        return [], []
    frames = {"calls": calls[["roles", "parts", "response_schema"]].assign(_i=range(len(calls))),
              "texts": texts[["text_id"]]}
    con = duckdb.connect()
    try:
        for table, data in frames.items():
            con.register(table, data)
        uneven = con.execute("SELECT _i FROM calls WHERE len(roles) <> len(parts) "
                             "ORDER BY _i").fetchall()
        unknown = con.execute(UNJOINABLE_SQL).fetchall()
    finally:
        con.close()
    return [int(r[0]) for r in uneven], [int(r[0]) for r in unknown]


@dataclass(frozen=True)
class Rule:
    """One expectation as plain data: GE's class name, its arguments, an optional row
    condition (column, value: the rule applies to rows where column == value) and the short
    description shown when it fails. Plain data so a suite can be fingerprinted (`suite_id`)
    without importing GE."""

    kind: str
    args: tuple[tuple[str, Any], ...]
    description: str
    where: tuple[str, Any] | None = None


def _rule(kind: str, description: str, where: tuple[str, Any] | None = None,
          **args: Any) -> Rule:
    return Rule(kind, tuple(sorted(args.items())), description, where)


def _rules(name: str) -> list[Rule]:
    """The suite of one table: schema-derived checks first, then the table's own rules."""
    expected = column_names(name)
    out = [_rule("ExpectTableColumnsToMatchOrderedList", "columns as in selforg.schema, in order",
                 column_list=expected)]
    out += [_rule("ExpectColumnValuesToNotBeNull", f"{c.name} not null", column=c.name)
            for c in TABLES[name] if not c.nullable]

    def at_least(column: str, low: float) -> Rule:
        return _rule("ExpectColumnValuesToBeBetween", f"{column} >= {low}", column=column,
                     min_value=low)

    def in_set(column: str, values: list[Any], what: str,
               where: tuple[str, Any] | None = None) -> Rule:
        return _rule("ExpectColumnValuesToBeInSet", what, where, column=column, value_set=values)

    def regex(column: str, pattern: str, what: str) -> Rule:
        return _rule("ExpectColumnValuesToMatchRegex", what, column=column, regex=pattern)

    def unique(column: str) -> Rule:
        return _rule("ExpectColumnValuesToBeUnique", f"{column} unique", column=column)

    def not_null_where(column: str, where: tuple[str, Any], what: str) -> Rule:
        return _rule("ExpectColumnValuesToNotBeNull", what, where, column=column)

    if name == "tasks":
        out += [in_set("level", list(LEVELS), f"level in {list(LEVELS)}"),
                regex("prompt", r"\S", "prompt non-empty"), unique("task_id"),
                not_null_where("reference", ("verifiable", True),
                               "verifiable tasks have a reference")]
    elif name == "runs":
        out += [unique("run_id"), in_set("status", STATUSES, f"status in {STATUSES}"),
                not_null_where("error", ("status", "failed"), "failed runs have an error"),
                at_least("n_agents", 1),
                *(at_least(c, 0) for c in ("prompt_tokens", "completion_tokens", "cost_usd",
                                           "latency_s"))]
    elif name == "turns":
        out += [at_least("agent", -1), at_least("round", 0),
                *(at_least(c, 0) for c in ("prompt_tokens", "completion_tokens",
                                           "budget_tokens")),
                regex("model", r"\S", "model non-empty"),
                in_set("abstain", [True], "removed agents' turns are abstentions",
                       ("removed", True)),
                in_set("structured_output", MODES, f"structured_output in {MODES} or null")]
    elif name in PROMPT_LOG:
        head = [at_least("agent", -1), at_least("round", 0)] if name == "prompts" else \
            [at_least("sample", 0)]
        out += [*head, at_least("max_tokens", 1), at_least("temperature", 0),
                _rule("ExpectColumnValuesToBeBetween", "every call has a message",
                      column="roles", min_value=1),
                _rule("ExpectColumnValuesToBeBetween", "every call has a seed",
                      column="seeds", min_value=1)]
    elif name in ("prompt_texts", "judge_prompt_texts"):
        out.append(unique("text_id"))
    elif name == "human_ratings":
        out += [*(in_set(c, [1, 2, 3, 4], f"{c} in 1..4") for c in SCORES),
                regex("rater", r"\S", "rater non-empty"),
                _rule("ExpectCompoundColumnsToBeUnique", "one rating per rater and run",
                      column_list=["rater", "run_id"]),
                at_least("seconds", 0)]
    elif name == "judgments":
        out += [*(in_set(c, [1, 2, 3, 4], f"{c} in 1..4 or null") for c in SCORES),
                *(_rule("ExpectColumnValuesToBeBetween", f"{c} in [0.25, 1] or null", column=c,
                        min_value=0.25, max_value=1.0) for c in ("q", "m")),
                in_set("status", STATUSES, f"status in {STATUSES}"),
                in_set("structured_output", MODES, f"structured_output in {MODES} or null"),
                regex("verdict", r"^(?:correct|wrong|undecidable): ",
                      "verdict is 'correct: ...', 'wrong: ...' or 'undecidable: ...'"),
                *(not_null_where(c, ("status", "ok"), f"ok judgments have {c}")
                  for c in [*SCORES, "q", "m"])]
    return out


def _expectations(name: str) -> list[Expectation]:
    """The table's rules as GE expectations, each carrying its description."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column as Col

    out = []
    for rule in _rules(name):
        args = dict(rule.args)
        if rule.where is not None:
            column, value = rule.where
            args["row_condition"] = Col(column) == value
        out.append(getattr(gxe, rule.kind)(description=rule.description, **args))
    return out


def suite_id(name: str) -> str:
    """A digest of everything that decides whether a table passes: the table's rules, how a
    frame is prepared for GE (`_hashable`, SUITE_FORMAT) and the installed GE version."""
    described = json.dumps([SUITE_FORMAT, version("great_expectations"), name,
                            [asdict(rule) for rule in _rules(name)]], default=str)
    return hashlib.sha256(described.encode()).hexdigest()[:16]


def _run_suite(name: str, frame: pd.DataFrame,
               expectations: list[Expectation]) -> list[ExpectationValidationResult]:
    """Validate in a throwaway ephemeral context: nothing persisted, no progress bars.

    The first pass asks only for pass/fail (about half the cost of collecting offending rows,
    which GE computes per expectation); only a failing table is validated again for details.
    """
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False,
                                                         metric_calculations=False)
    batch = (context.data_sources.add_pandas("selforg").add_dataframe_asset(name)
             .add_batch_definition_whole_dataframe("whole")
             .get_batch(batch_parameters={"dataframe": frame}))
    suite = gx.ExpectationSuite(name=f"selforg-{name}", expectations=expectations)
    if batch.validate(suite, result_format={"result_format": "BOOLEAN_ONLY"}).success:
        return []
    return list(batch.validate(suite, result_format={"result_format": "SUMMARY"}).results)


def _raised(result: ExpectationValidationResult) -> str | None:
    """The exception message if GE could not evaluate the expectation (e.g. missing column)."""
    info = result.exception_info or {}
    entries = [info] if "raised_exception" in info else list(info.values())
    for entry in entries:
        if isinstance(entry, Mapping) and entry.get("raised_exception"):
            return str(entry.get("exception_message") or "exception").splitlines()[0][:200]
    return None


def _show(value: Any) -> str:
    """A short, plain rendering: numpy scalars as Python values, any missing value as null."""
    if pd.api.types.is_scalar(value):
        if pd.isna(value):
            return "null"
        value = value.item() if hasattr(value, "item") else value
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _problems(name: str, frame: pd.DataFrame,
              results: list[ExpectationValidationResult]) -> list[tuple[str, str]]:
    """One (problem, fix) pair per failed expectation, with up to MAX_SHOWN offending rows."""
    failed = [(r, r.expectation_config) for r in results
              if not r.success and r.expectation_config is not None]
    columns_failed = any(c.type == COLUMNS_EXPECTATION for _, c in failed)
    problems: list[tuple[str, str]] = []
    for r, config in failed:
        head = f"{name} table fails {config.type} ({config.description})"
        error = _raised(r)
        if config.type == COLUMNS_EXPECTATION:
            problems.append((f"{head}: columns are {list(frame.columns)}, "
                             f"expected {column_names(name)}", ""))
        elif error is not None:
            if not columns_failed:  # else a consequence of the missing column reported above
                problems.append((f"{head}: could not be evaluated ({error})", ""))
        else:
            indexes = list(r.result.get("partial_unexpected_index_list") or [])
            count = r.result.get("unexpected_count", len(indexes))
            offenders = _rows(name, frame, config.kwargs.get("column"), indexes, count)
            problems.append((f"{head}: {offenders}", ""))
    return problems


def _rows(name: str, frame: pd.DataFrame, column: str | None, indexes: list[Any],
          count: int) -> str:
    """'k of n rows, e.g. row 2 (run_id='r1'): status='weird'; ...', up to MAX_SHOWN rows."""
    keys = [k for k in KEYS[name] if k in frame.columns and k != column]
    shown = []
    for i in indexes[:MAX_SHOWN]:
        row = frame.iloc[int(i)]
        ident = ", ".join(f"{k}={_show(row[k])}" for k in keys)
        value = row[column] if column in frame.columns else None
        shown.append(f"row {i}" + (f" ({ident})" if ident else "") + f": {column}={_show(value)}")
    more = f"; and {count - MAX_SHOWN} more" if count > MAX_SHOWN else ""
    return f"{count} of {len(frame)} rows, e.g. " + "; ".join(shown) + more
