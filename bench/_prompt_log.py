"""A synthetic prompt log for tables written by analysis_scale.synthesize, shaped like the real one.

Each call is built the way `Team.agent_messages` builds one, from parts (lines) that the real
prompt log would share or not:
- system: one text per protocol and N (the team size is in it), about 600 characters;
- user: the task (6 lines, shared by every call on the task), a heading line (shared), the view
  (the full text of the last 3 earlier turns of the run, each a header line shared by agent
  slot and a 320-character body, then one-line digests of up to 20 older ones, each shared
  by the later calls of the run) and the agent's own line (shared by agent slot);
- judge calls: the judge's system prompt (one text), the task lines, the run's answer (30 lines
  of 80 characters, shared by the run's judgments) and 3 closing lines (shared).
Texts are written in order of first use, as the stages write them. Text bodies are hex
digests, which compress worse than prose, so file sizes are not flattered. Everything is
generated inside DuckDB and written with selforg.schema's types and selforg.tables' options.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from selforg.schema import TABLES
from selforg.tables import PARQUET_OPTIONS

FULL, DIGESTS, TASK_LINES, ANSWER_LINES = 3, 20, 6, 30


def _id(*parts: str) -> str:
    """A BIGINT text id from DuckDB's hash of the parts (non-negative, like a real id's range)."""
    return f"(hash({', '.join(parts)}) >> 1)::BIGINT"


def _hex(seed: str, blocks: int) -> str:
    """SQL for a text of `blocks` md5 digests (32 characters each) seeded by `seed`."""
    return f"array_to_string(list_transform(range({blocks}), k -> md5({seed} || '-' || k)), '')"


def _casts(name: str) -> str:
    return ", ".join(f'CAST("{c.name}" AS {c.sql_type}) AS "{c.name}"' for c in TABLES[name])


def _copy(con: duckdb.DuckDBPyConnection, name: str, sql: str, path: Path) -> None:
    """Write as `tables.write_table` would: the schema's types and the table's codec."""
    con.execute(f"COPY (SELECT {_casts(name)} FROM ({sql})) TO '{path}' "
                f"(FORMAT PARQUET, {PARQUET_OPTIONS[name]})")


# Text ids of the parts (SQL over the columns of `calls` / `judged`, and a loop variable).
SYSTEM = _id("protocol", "n_agents", "'system'")
TASK_LINE = _id("task_id", "'task'", "l")
HEADING = _id("'heading'")
HEADER_J, HEADER_I = _id("'head'", "j"), _id("'head'", "i")
BODY_J, BODY_I = _id("run_id", "'body'", "j"), _id("run_id", "'body'", "i")
DIGEST_J, DIGEST_I = _id("run_id", "'digest'", "j"), _id("run_id", "'digest'", "i")
AGENT_LINE = _id("'agent'", "agent")
TURN_SCHEMA = _id("'turn-schema'")
ANSWER_LINE = _id("run_id", "'answer'", "l")
CLOSING = _id("'closing'", "l")
JUDGE_SYSTEM = _id("'judge-system'")
JUDGMENT_SCHEMA = _id("'judgment-schema'")

TASK = f"list_transform(range({TASK_LINES}), l -> {TASK_LINE})"
VIEW = (f"list_transform(range(greatest(0, i - {FULL + DIGESTS}), greatest(0, i - {FULL})), "
        f"j -> {DIGEST_J}) || flatten(list_transform(range(greatest(0, i - {FULL}), i), "
        f"j -> [{HEADER_J}, {BODY_J}]))")

PROMPTS_SQL = f"""
SELECT run_id, agent, round, ['system', 'user'] AS roles,
       [[{SYSTEM}], {TASK} || CASE WHEN i > 0 THEN [{HEADING}] ELSE [] END || {VIEW}
        || [{AGENT_LINE}]] AS parts,
       CASE WHEN agent >= 0 THEN {TURN_SCHEMA} END AS response_schema, 160 AS max_tokens,
       0.7 AS temperature, [{_id("run_id", "agent")}] AS seeds
FROM calls ORDER BY run_id, round, agent
"""

FIRST = "min(run_id || lpad(CAST(i AS VARCHAR), 6, '0'))"  # a text's first use, in call order

PROMPT_TEXTS_SQL = f"""
SELECT text_id, text FROM (
    SELECT DISTINCT ON (text_id) * FROM (
        SELECT {SYSTEM} AS text_id, 'system prompt of ' || protocol || ' at N = ' || n_agents
               || ': ' || {_hex("protocol", 18)} AS text, {FIRST} AS first
               FROM calls GROUP BY protocol, n_agents
        UNION ALL SELECT {TASK_LINE}, {_hex("task_id || l", 2)} || chr(10), {FIRST}
                  FROM calls, range({TASK_LINES}) t(l) GROUP BY task_id, l
        UNION ALL SELECT {HEADING}, 'Completed work of the agents before you:' || chr(10), ''
        UNION ALL SELECT {HEADER_I}, '[agent ' || i || ' | role]' || chr(10), {FIRST}
                  FROM calls GROUP BY i
        UNION ALL SELECT {BODY_I}, {_hex("run_id || i", 10)} || chr(10),
                  run_id || lpad(CAST(i AS VARCHAR), 6, '0') FROM calls
        UNION ALL SELECT {DIGEST_I}, '[agent ' || i || ' | role] '
                  || {_hex("run_id || 'd' || i", 3)} || chr(10),
                  run_id || lpad(CAST(i AS VARCHAR), 6, '0') FROM calls
        UNION ALL SELECT {AGENT_LINE}, 'You are agent ' || agent || '. Nobody assigns you a '
                  || 'role: choose the role in which you add the most value, or abstain if '
                  || 'you would add nothing new.', {FIRST} FROM calls GROUP BY agent
        UNION ALL SELECT {TURN_SCHEMA}, '{{"type": "object", "properties": ...}}', ''
    ) ORDER BY text_id, first
) ORDER BY first, text_id
"""

JUDGE_PROMPTS_SQL = f"""
SELECT run_id, judge_model, sample, ['system', 'user'] AS roles,
       [[{JUDGE_SYSTEM}], {TASK} || list_transform(range({ANSWER_LINES}), l -> {ANSWER_LINE})
        || list_transform(range(3), l -> {CLOSING})] AS parts,
       {JUDGMENT_SCHEMA} AS response_schema, 200 AS max_tokens, 0.7 AS temperature,
       [{_id("run_id", "judge_model", "sample")}] AS seeds
FROM judged ORDER BY run_id, judge_model, sample
"""

JUDGE_TEXTS_SQL = f"""
SELECT text_id, text FROM (
    SELECT DISTINCT ON (text_id) * FROM (
        SELECT {JUDGE_SYSTEM} AS text_id, {_hex("'judge'", 75)} AS text, '' AS first
        UNION ALL SELECT {TASK_LINE}, {_hex("task_id || l", 2)} || chr(10), min(run_id)
                  FROM judged, range({TASK_LINES}) t(l) GROUP BY task_id, l
        UNION ALL SELECT DISTINCT {ANSWER_LINE}, {_hex("run_id || 'a' || l", 2)} || chr(10),
                  run_id FROM judged, range({ANSWER_LINES}) t(l)
        UNION ALL SELECT {CLOSING}, 'closing line ' || l || chr(10), '' FROM range(3) t(l)
        UNION ALL SELECT {JUDGMENT_SCHEMA}, '{{"type": "object"}}', ''
    ) ORDER BY text_id, first
) ORDER BY first, text_id
"""


def synthesize_prompts(data: Path) -> dict[str, int]:
    """Write the four prompt-log files beside the tables in `data`; return row counts."""
    con = duckdb.connect()
    try:
        con.execute(f"""
            CREATE TEMP TABLE calls AS
            SELECT t.run_id, t.agent, t.round, r.task_id, r.protocol, r.n_agents,
                   row_number() OVER (PARTITION BY t.run_id ORDER BY t.round, t.agent) - 1 AS i
            FROM read_parquet('{data / "turns.parquet"}') t
            JOIN read_parquet('{data / "runs.parquet"}') r USING (run_id)
            WHERE NOT t.directed AND NOT t.removed""")
        con.execute(f"""
            CREATE TEMP TABLE judged AS
            SELECT j.run_id, j.judge_model, j.sample, r.task_id
            FROM read_parquet('{data / "judgments.parquet"}') j
            JOIN read_parquet('{data / "runs.parquet"}') r USING (run_id)""")
        for name, sql in (("prompts", PROMPTS_SQL), ("prompt_texts", PROMPT_TEXTS_SQL),
                          ("judge_prompts", JUDGE_PROMPTS_SQL),
                          ("judge_prompt_texts", JUDGE_TEXTS_SQL)):
            _copy(con, name, sql, data / f"{name}.parquet")
        counts = {}
        for name in ("prompts", "prompt_texts", "judge_prompts", "judge_prompt_texts"):
            path = data / f"{name}.parquet"
            row = con.execute(f"SELECT count(*) FROM read_parquet('{path}')")
            counts[name] = int(row.fetchone()[0])  # type: ignore[index]
    finally:
        con.close()
    return counts


SENT_SQL = """
WITH refs AS (SELECT unnest(flatten(parts)) AS text_id FROM read_parquet('{calls}'))
SELECT sum(length(t.text)) FROM refs JOIN read_parquet('{texts}') t USING (text_id)
"""


def prompt_log_sizes(data: Path) -> str:
    """One line: each prompt-log file's MB and the message characters the calls stand for."""
    con = duckdb.connect()
    try:
        parts = []
        for calls, texts in (("prompts", "prompt_texts"), ("judge_prompts", "judge_prompt_texts")):
            sent = con.execute(SENT_SQL.format(calls=data / f"{calls}.parquet",
                                               texts=data / f"{texts}.parquet")).fetchone()
            size = sum((data / f"{n}.parquet").stat().st_size for n in (calls, texts))
            parts.append(f"{calls}: {size / 1e6:.1f} MB on disk for "
                         f"{(sent[0] if sent else 0) / 1e6:,.0f} MB of message text")
    finally:
        con.close()
    return "prompt log: " + "; ".join(parts)
