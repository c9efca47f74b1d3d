"""The study tables (docs/study.md section 5): one typed, documented definition per column.

Every stage writes and reads its parquet files through `selforg.tables`, which checks them
against these definitions, so a column cannot be renamed in one place and not another.
Lists are DuckDB lists; JSON payloads are VARCHAR holding JSON text.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = 3


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    doc: str
    nullable: bool = False


TASKS: tuple[Column, ...] = (
    Column("task_id", "VARCHAR", "stable id derived from seed, level and index, e.g. L3-007-5f2a"),
    Column("level", "VARCHAR", "complexity level L1..L4 (docs/study.md section 3)"),
    Column("domains", "VARCHAR[]", "domains the task spans (1 for L1, 2 for L2, 3+ for L3/L4)"),
    Column("title", "VARCHAR", "short human-readable title"),
    Column("prompt", "VARCHAR", "the full task text every agent receives"),
    Column("stakeholders", "VARCHAR[]", "named stakeholders (3+ with conflicting goals on L4)"),
    Column("steps", "INTEGER", "number of steps the task asks for"),
    Column("verifiable", "BOOLEAN", "whether a code checker can decide correctness"),
    Column("reference", "VARCHAR", "JSON ground truth for verifiable tasks", nullable=True),
    Column("seed", "BIGINT", "generator seed the task came from"),
)

RUNS: tuple[Column, ...] = (
    Column("run_id", "VARCHAR", "stable id from task, protocol, model, N, replicate, assembly "
           "(and the shock's name for a shocked run)"),
    Column("task_id", "VARCHAR", "joins tasks"),
    Column("protocol", "VARCHAR", "protocol registry name"),
    Column("model", "VARCHAR", "model alias from params.yaml (models[].name)"),
    Column("n_agents", "INTEGER", "number of agents N"),
    Column("replicate", "INTEGER", "replicate index, part of every cache key of the run"),
    Column("assembly", "VARCHAR", "final-answer assembly: synthesize or concat"),
    Column("shock", "VARCHAR", "study.shocks name of a shocked run; null for a baseline run",
           nullable=True),
    Column("shock_removed", "INTEGER[]", "agents a removal shock took out mid-run (empty if none)"),
    Column("shock_substituted", "INTEGER[]",
           "agents a substitution shock gave to the substitute model (empty if none)"),
    Column("shock_announcement", "VARCHAR", "what a priority-shift shock announced mid-run "
           "(the judges score the run against the task plus this); null if nothing was",
           nullable=True),
    Column("final_answer", "VARCHAR", "the deliverable the judges score", nullable=True),
    Column("n_active", "INTEGER", "agents whose final-round turn contributed"),
    Column("n_abstained", "INTEGER", "agents whose final-round turn abstained"),
    Column("hierarchy_depth", "INTEGER", "agents on the longest chain of follows links (1 = flat)"),
    Column("n_calls", "INTEGER", "model calls made by the run, assembly included (directed "
           "abstentions and removed agents make none)"),
    Column("prompt_tokens", "BIGINT", "sum over the run's calls"),
    Column("completion_tokens", "BIGINT", "sum over the run's calls"),
    Column("cost_usd", "DOUBLE", "sum over the run's calls (0 for local models)"),
    Column("latency_s", "DOUBLE", "critical-path wall-clock latency of the run"),
    Column("status", "VARCHAR", "ok or failed"),
    Column("error", "VARCHAR", "why the run failed (provider error after retries, budget ...)",
           nullable=True),
)

TURNS: tuple[Column, ...] = (
    Column("run_id", "VARCHAR", "joins runs"),
    Column("agent", "INTEGER", "agent index 0..N-1; -1 is the final-answer assembly call"),
    Column("round", "INTEGER", "round within the protocol, 0-based"),
    Column("model", "VARCHAR", "alias of the model that answers this agent (the run's model "
           "unless a substitution shock chose the agent)"),
    Column("role", "VARCHAR", "role as the agent wrote it", nullable=True),
    Column("role_norm", "VARCHAR", "role normalised by selforg.roles.normalise_role"),
    Column("abstain", "BOOLEAN", "the agent contributed nothing this turn"),
    Column("directed", "BOOLEAN", "abstention imposed by a coordinator ('idle'), not chosen"),
    Column("removed", "BOOLEAN", "the agent had left the run (removal shock): an abstention "
           "with no model call"),
    Column("builds_on", "INTEGER[]", "agents whose output this turn uses"),
    Column("follows", "INTEGER", "the agent whose direction this agent accepts", nullable=True),
    Column("contribution", "VARCHAR", "the turn's content (raw reply when parse failed)"),
    Column("prompt_tokens", "INTEGER", "provider-reported prompt tokens"),
    Column("completion_tokens", "INTEGER", "provider-reported completion tokens"),
    Column("budget_tokens", "INTEGER", "context budget this call's view was fitted to"),
    Column("cost_usd", "DOUBLE", "cost of this call"),
    Column("latency_s", "DOUBLE", "wall-clock latency of this call (0 for cache hits)"),
    Column("cached", "BOOLEAN", "answered by the call cache"),
    Column("parse_ok", "BOOLEAN", "the reply parsed as turn JSON (possibly after repair)"),
    Column("error", "VARCHAR", "provider error after retries, if the call failed",
           nullable=True),
    Column("structured_output", "VARCHAR", "how the call asked for JSON: json_schema, "
           "json_object or prompt (docs/configuration.md); null when it asked for none (the "
           "assembly) or made no call", nullable=True),
)

JUDGMENTS: tuple[Column, ...] = (
    Column("run_id", "VARCHAR", "joins runs"),
    Column("judge_model", "VARCHAR", "judge model alias from params.yaml"),
    Column("sample", "INTEGER", "sample index of this judge on this run"),
    Column("accuracy", "INTEGER", "1-4", nullable=True),
    Column("completeness", "INTEGER", "1-4", nullable=True),
    Column("coherence", "INTEGER", "1-4", nullable=True),
    Column("actionability", "INTEGER", "1-4", nullable=True),
    Column("mission", "INTEGER", "mission relevance 1-4", nullable=True),
    Column("q", "DOUBLE", "(accuracy+completeness+coherence+actionability)/16", nullable=True),
    Column("m", "DOUBLE", "mission / 4", nullable=True),
    Column("rationale", "VARCHAR", "the judge's short justification", nullable=True),
    Column("verified_correct", "BOOLEAN", "code checker verdict on verifiable tasks; null on "
           "open tasks and on undecidable answers", nullable=True),
    Column("verdict", "VARCHAR", "the checker's verdict and what it read, on verifiable tasks: "
           "'correct: ...', 'wrong: ...' or 'undecidable: ...'", nullable=True),
    Column("prompt_tokens", "INTEGER", "judge call prompt tokens"),
    Column("completion_tokens", "INTEGER", "judge call completion tokens"),
    Column("cost_usd", "DOUBLE", "judge call cost"),
    Column("cached", "BOOLEAN", "answered by the call cache"),
    Column("status", "VARCHAR", "ok or failed"),
    Column("error", "VARCHAR", "why the judgment failed", nullable=True),
    Column("structured_output", "VARCHAR", "how the judge's last call asked for JSON: "
           "json_schema, json_object or prompt", nullable=True),
)

# The prompt log (selforg.prompt_log): each model call's messages as lists of part ids into a
# text table, so text shared between calls (system prompts, the task, quoted views) is stored
# once. Read by the viewer only, never by the analysis.
_CALL: tuple[Column, ...] = (
    Column("roles", "VARCHAR[]", "the role of each message, in order (system, user, ...)"),
    Column("parts", "BIGINT[][]", "per message, the text_ids of its parts (lines with their "
           "newlines); joined in order they give the message's content exactly"),
    Column("response_schema", "BIGINT", "text_id of the JSON schema the reply was decoded "
           "against; null for a free-text call", nullable=True),
    Column("max_tokens", "INTEGER", "completion token cap of the call"),
    Column("temperature", "DOUBLE", "sampling temperature"),
    Column("seeds", "BIGINT[]", "sampling seed of each call sent with these messages (one for "
           "an agent call; a judge asked again after an unparseable reply has one per attempt)"),
)

PROMPTS: tuple[Column, ...] = (
    Column("run_id", "VARCHAR", "joins turns (with agent and round)"),
    Column("agent", "INTEGER", "as in turns: -1 is the assembly call, the coordinator is 0"),
    Column("round", "INTEGER", "as in turns"),
    *_CALL,
)

JUDGE_PROMPTS: tuple[Column, ...] = (
    Column("run_id", "VARCHAR", "joins judgments (with judge_model and sample)"),
    Column("judge_model", "VARCHAR", "judge model alias, as in judgments"),
    Column("sample", "INTEGER", "sample index, as in judgments"),
    *_CALL,
)

PROMPT_TEXTS: tuple[Column, ...] = (
    Column("text_id", "BIGINT", "first 8 bytes of the text's SHA-256, as a signed integer"),
    Column("text", "VARCHAR", "one distinct part (a line with its newline) or response schema"),
)

HUMAN_RATINGS: tuple[Column, ...] = (
    Column("rater", "VARCHAR", "the rater's self-chosen id (`selforg rate --rater`)"),
    Column("run_id", "VARCHAR", "joins runs; the rater never saw it"),
    Column("accuracy", "INTEGER", "1-4, on the judges' anchors"),
    Column("completeness", "INTEGER", "1-4"),
    Column("coherence", "INTEGER", "1-4"),
    Column("actionability", "INTEGER", "1-4"),
    Column("mission", "INTEGER", "mission relevance 1-4"),
    Column("rated_at", "TIMESTAMP", "when the rating was saved (UTC); a re-rating replaces it"),
    Column("seconds", "DOUBLE", "time from showing the answer to saving the rating"),
)

TABLES: dict[str, tuple[Column, ...]] = {
    "tasks": TASKS,
    "runs": RUNS,
    "turns": TURNS,
    "judgments": JUDGMENTS,
    "prompts": PROMPTS,
    "prompt_texts": PROMPT_TEXTS,
    "judge_prompts": JUDGE_PROMPTS,
    "judge_prompt_texts": PROMPT_TEXTS,
    "human_ratings": HUMAN_RATINGS,
}


def column_names(table: str) -> list[str]:
    return [c.name for c in TABLES[table]]
