"""Stage aggregate: metrics, statistics, plot data, figures and the report.

Reads:  params.yaml (seed, tasks, models, study, judges), data/tasks.parquet,
        data/runs.parquet, data/turns.parquet, data/judgments.parquet,
        data/human_ratings.parquet (kept in git, written by `selforg rate`; none yet if absent)
        Never the prompt log (data/*prompts*.parquet): only the viewer reads it.
Writes: reports/metrics.json (git-tracked, for `dvc metrics diff` and `selforg diff`),
        reports/plots/*.csv (for `dvc plots`), reports/figures/*.svg,
        reports/comparisons.csv, reports/report.md, reports/report.html
"""

from __future__ import annotations

from pathlib import Path

from selforg.analysis.aggregate import study_data
from selforg.analysis.findings import analyse
from selforg.analysis.study_design import design_from_config
from selforg.config import load_config
from selforg.entry import stage_main
from selforg.paths import Paths
from selforg.ratings import load_ratings
from selforg.reporting.report import ReportPaths, write_outputs
from selforg.tables import read_table
from selforg.validation import Check, Receipts, validate_inputs


def aggregate(params: Path, root: Path) -> Path:
    cfg = load_config(params)
    paths = Paths(root)
    tables = {name: read_table(name, paths.table(name))
              for name in ("tasks", "runs", "turns", "judgments")}
    ratings = load_ratings(paths.human_ratings)
    refs = {"tasks": tables["tasks"], "runs": tables["runs"]}
    checks = [Check(name, frame, refs, paths.table(name)) for name, frame in tables.items()]
    ratings_file = paths.human_ratings if paths.human_ratings.is_file() else None
    validate_inputs([*checks, Check("human_ratings", ratings, path=ratings_file)], apart=False,
                    receipts=Receipts(paths.cache_dir(cfg.cache.dir)))
    data = study_data(tables["tasks"], tables["runs"], tables["turns"], tables["judgments"])
    findings = analyse(data, design_from_config(cfg), ratings)
    out = ReportPaths(paths)
    out.reports.mkdir(parents=True, exist_ok=True)
    write_outputs(cfg, findings, out)
    print(f"aggregate: {len(data.runs)} runs, {len(ratings)} human ratings -> {out.metrics}, "
          f"{out.markdown}, {out.html}")
    return out.markdown


if __name__ == "__main__":
    stage_main(aggregate, __doc__)
