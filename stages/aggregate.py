"""Stage aggregate: metrics, statistics and the report.

Reads:  params.yaml, data/tasks.parquet, data/runs.parquet, data/judgments.parquet
Writes: reports/metrics.json (git-tracked, for `dvc metrics diff`),
        reports/plots/quality_by_protocol.csv (for `dvc plots`), reports/report.md
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from selforg.analysis.aggregate import flat_metrics, protocol_quality, run_frame
from selforg.config import load_config
from selforg.entry import stage_main
from selforg.paths import Paths
from selforg.report import render_report
from selforg.tables import read_table


def aggregate(params: Path, root: Path) -> Path:
    cfg = load_config(params)
    paths = Paths(root)
    tasks = read_table("tasks", paths.tasks)
    runs = read_table("runs", paths.runs)
    judgments = read_table("judgments", paths.judgments)
    frame = run_frame(tasks, runs, judgments)
    metrics = flat_metrics(frame, judgments)
    paths.plots.mkdir(parents=True, exist_ok=True)
    paths.metrics.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    quality = protocol_quality(frame)
    plot_rows = [{"protocol": p, "q": s.value, "ci_low": s.ci_low, "ci_high": s.ci_high,
                  "n": s.n} for p, s in quality.items()]
    pd.DataFrame(plot_rows, columns=["protocol", "q", "ci_low", "ci_high", "n"]).to_csv(
        paths.plots / "quality_by_protocol.csv", index=False)
    paths.report_md.write_text(render_report(cfg, frame, quality, judgments))
    print(f"aggregate: {len(frame)} runs -> {paths.metrics}, {paths.report_md}")
    return paths.report_md


if __name__ == "__main__":
    stage_main(aggregate, __doc__)
