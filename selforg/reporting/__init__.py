"""Turning the findings into reports/: metrics.json, plot data, figures and the report.

Nothing is imported here, so `selforg.reporting.keys` (used by `selforg diff`) stays light;
the stage imports `selforg.reporting.report` (`write_outputs`, `ReportPaths`).
"""
