"""Where each stage reads and writes, relative to the project root.

dvc.yaml names the same files (a test checks they agree); stages, flows and tests get them
from here, so no path is spelled in two Python places.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def tasks(self) -> Path:
        return self.data / "tasks.parquet"

    @property
    def runs(self) -> Path:
        return self.data / "runs.parquet"

    @property
    def turns(self) -> Path:
        return self.data / "turns.parquet"

    @property
    def judgments(self) -> Path:
        return self.data / "judgments.parquet"

    @property
    def prompts(self) -> Path:
        return self.data / "prompts.parquet"

    @property
    def prompt_texts(self) -> Path:
        return self.data / "prompt_texts.parquet"

    @property
    def judge_prompts(self) -> Path:
        return self.data / "judge_prompts.parquet"

    @property
    def judge_prompt_texts(self) -> Path:
        return self.data / "judge_prompt_texts.parquet"

    @property
    def human_ratings(self) -> Path:
        return self.data / "human_ratings.parquet"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def metrics(self) -> Path:
        return self.reports / "metrics.json"

    @property
    def report_md(self) -> Path:
        return self.reports / "report.md"

    @property
    def plots(self) -> Path:
        return self.reports / "plots"

    def table(self, name: str) -> Path:
        return self.data / f"{name}.parquet"

    def cache_dir(self, configured: str) -> Path:
        path = Path(configured)
        return path if path.is_absolute() else self.root / path
