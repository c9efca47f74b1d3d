"""`dvc exp show` with the headline columns, run exactly as the README gives it.

reports/metrics.json has a couple of hundred keys, each a column of `dvc exp show`, and DVC has
no setting for the columns it shows; the README's command keeps the headline metrics and the
params that differ between experiments. This runs that command on experiments over the
committed metrics.json and checks the columns."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.repo_helpers import commit, init_repo, sh

pytestmark = pytest.mark.slow

METRICS = json.loads((REPO / "reports" / "metrics.json").read_text())
STAGE = """\
stages:
  aggregate:
    cmd: python -c "import shutil; shutil.copy('metrics.source.json', 'reports/metrics.json')"
    deps:
      - metrics.source.json
    params:
      - study
      - judges
    metrics:
      - reports/metrics.json:
          cache: false
"""


def documented_command() -> list[str]:
    """The `dvc exp show --only-changed ...` line of the README's code block."""
    lines = [line.strip() for line in (REPO / "README.md").read_text().splitlines()
             if line.strip().startswith("dvc exp show --only-changed")]
    assert len(lines) == 1, lines
    return shlex.split(lines[0].split("  #")[0])


def headline_keys() -> set[str]:
    """What the README promises: Q per protocol, and per pair the relative difference and its
    Holm-adjusted p (all pooled), the judges' ICC(2,k) and the total cost; DVC leaves out a
    column that is null in every experiment (ICC is not computable for the default study)."""
    keys = {k for k in METRICS if re.fullmatch(r"(q|rel|p_holm)\.[a-z0-9_]+", k)} | {
        "judge.icc2k", "cost_usd.total"}
    return {k for k in keys if METRICS.get(k) is not None}


def test_readme_command_shows_the_headline_and_changed_params(tmp_path: Path) -> None:
    root = tmp_path / "exp"
    root.mkdir()
    init_repo(root)
    (root / "params.yaml").write_text((REPO / "params.yaml").read_text())
    (root / "metrics.source.json").write_text(json.dumps(METRICS))
    (root / "reports").mkdir()
    (root / "dvc.yaml").write_text(STAGE)
    sh(root, "dvc", "repro")
    commit(root, "a study")
    sh(root, "dvc", "exp", "run", "-S", "study.temperature=0.5")
    everything = next(csv.reader(io.StringIO(sh(root, "dvc", "exp", "show", "--csv").stdout)))
    shown = next(csv.reader(io.StringIO(sh(root, *documented_command(), "--csv").stdout)))
    assert len(everything) > 150  # what `dvc exp show` alone prints
    # rev and typ: the experiment's commit and kind, which --csv always adds
    assert set(shown) == {"Experiment", "rev", "typ", "Created", "study.temperature"} | \
        headline_keys()
    assert len(headline_keys()) >= 4 and len(shown) < 20
