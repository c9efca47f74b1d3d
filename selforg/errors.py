"""The one user-facing error type.

Every problem a user can fix (bad params, unknown protocol or model, missing key, corrupt data
file, budget exhausted) is raised as a `SelforgError` naming the problem and the fix. The CLI and
the stage entry points print it without a traceback and exit with `exit_code` (2 = bad input,
3 = budget reached, 4 = calls failed after their retries: selforg.failures.StudyIncomplete).
"""

from __future__ import annotations


class SelforgError(Exception):
    """A problem the user can fix. `problems` holds one (problem, fix) pair per finding."""

    exit_code = 2

    def __init__(self, problems: list[tuple[str, str]] | str, fix: str = "") -> None:
        if isinstance(problems, str):
            problems = [(problems, fix)]
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        lines = []
        for problem, fix in self.problems:
            lines.append(f"error: {problem}")
            if fix:
                lines.append(f"  fix: {fix}")
        return "\n".join(lines)


class ConfigError(SelforgError):
    """params.yaml (or a --params file) is invalid."""


class DataError(SelforgError):
    """A data file is missing, corrupt or does not match its schema."""


class BudgetExceeded(SelforgError):
    """The next model call would cross max_usd or max_calls; nothing over the cap was spent."""

    exit_code = 3
