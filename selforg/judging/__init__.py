"""Judging: the rubric, the blinded judge prompt, reply parsing and panel reliability.

Pure functions only: no model calls and no file I/O. The judging stage builds messages with
`build_judge_messages`, decodes against `JUDGMENT_SCHEMA` and parses with `parse_judgment`.
The panel statistics live in `selforg.judging.reliability` and are not re-exported here, so
the judging stage does not pay for importing pandas and scipy.
"""

from selforg.judging.parse import Judgment, parse_judgment
from selforg.judging.prompt import (
    JUDGMENT_SCHEMA,
    MAX_ANSWER_CHARS,
    MAX_TASK_CHARS,
    SYSTEM_PROMPT,
    build_judge_messages,
)
from selforg.judging.rubric import ANCHORS, DIMENSIONS, QUALITY_DIMENSIONS, mission, quality

__all__ = [
    "ANCHORS",
    "DIMENSIONS",
    "JUDGMENT_SCHEMA",
    "MAX_ANSWER_CHARS",
    "MAX_TASK_CHARS",
    "QUALITY_DIMENSIONS",
    "SYSTEM_PROMPT",
    "Judgment",
    "build_judge_messages",
    "mission",
    "parse_judgment",
    "quality",
]
