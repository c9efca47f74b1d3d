"""Seeded task generation over a domain catalogue (docs/study.md section 3).

Pure Python: no model calls, no I/O. `generate_tasks` builds the tasks table's rows,
`check_answer` decides verifiable tasks from their stored reference. See docs/tasks.md.
"""

from __future__ import annotations

from selforg.tasks.catalogue import DOMAINS
from selforg.tasks.checker import check_answer
from selforg.tasks.generator import Task, generate_tasks
from selforg.tasks.levels import LEVELS
from selforg.tasks.problems import KINDS

__all__ = ["DOMAINS", "KINDS", "LEVELS", "Task", "check_answer", "generate_tasks"]
