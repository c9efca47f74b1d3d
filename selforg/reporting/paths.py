"""Where the aggregate stage writes under reports/ (beyond selforg.paths.Paths).

A light module (no pandas), so the CLI can name the report files without loading the analysis.
dvc.yaml's aggregate stage declares the same files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from selforg.paths import Paths


@dataclass(frozen=True)
class ReportPaths:
    """Everything the aggregate stage writes: selforg.paths.Paths' reports plus three more."""

    paths: Paths

    @property
    def reports(self) -> Path:
        return self.paths.reports

    @property
    def metrics(self) -> Path:
        return self.paths.metrics

    @property
    def markdown(self) -> Path:
        return self.paths.report_md

    @property
    def plots(self) -> Path:
        return self.paths.plots

    @property
    def html(self) -> Path:
        return self.reports / "report.html"

    @property
    def figures(self) -> Path:
        return self.reports / "figures"

    @property
    def comparisons(self) -> Path:
        return self.reports / "comparisons.csv"
