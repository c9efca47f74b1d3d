"""`selforg diff REV`: the working tree's reports/metrics.json against the same file at REV.

Each changed key is printed with both values and the difference. Where both sides carry a
95% CI (`<head>_ci_low.<rest>`, `<head>_ci_high.<rest>`, see `selforg.reporting.keys`) the
line says whether the intervals overlap. Disjoint 95% intervals mean the difference is
significant at (well below) the 5% level; overlapping ones do not show a difference, though
they do not rule one out either. The old file is read with `git show REV:./reports/metrics.json`
from the project root, so nothing in the working tree changes.
"""

from __future__ import annotations

import json
import math
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selforg.errors import DataError, SelforgError
from selforg.reporting.keys import ci_keys, is_bound

METRICS = Path("reports") / "metrics.json"
ABSENT = "absent"


@dataclass(frozen=True)
class Delta:
    """One key: its value at REV and in the working tree (ABSENT when the key is missing)."""

    key: str
    old: Any
    new: Any
    verdict: str = ""

    @property
    def changed(self) -> bool:
        return self.old != self.new

    @property
    def difference(self) -> float | None:
        """new - old when both are numbers."""
        if isinstance(self.old, int | float) and isinstance(self.new, int | float):
            return float(self.new) - float(self.old)
        return None


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              check=False)
    except FileNotFoundError:
        raise SelforgError("git is not installed", "install git to compare revisions") from None


def _parse(text: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DataError(f"{where} is not valid JSON ({error})",
                        "re-create it with `dvc repro aggregate`") from None
    if not isinstance(data, dict):
        raise DataError(f"{where} does not hold a JSON object of metrics",
                        "re-create it with `dvc repro aggregate`")
    return data


def metrics_at(root: Path, rev: str) -> dict[str, Any]:
    """reports/metrics.json as committed at `rev`; SelforgError if REV or the file is missing."""
    if _git(root, "rev-parse", "--show-toplevel").returncode != 0:
        raise SelforgError(f"{root.resolve()} is not inside a git repository",
                           "run `selforg diff` in a clone of the project (or pass --root)")
    if _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").returncode != 0:
        raise SelforgError(f"git revision {rev!r} does not exist",
                           "pass a commit, branch or tag (see `git log --oneline`)")
    shown = _git(root, "show", f"{rev}:./{METRICS.as_posix()}")
    if shown.returncode != 0:
        raise SelforgError(f"{METRICS} does not exist at revision {rev!r}",
                           f"pick a revision that has it: `git log --oneline -- {METRICS}`")
    return _parse(shown.stdout, f"{METRICS} at {rev}")


def current_metrics(root: Path) -> dict[str, Any]:
    """The working tree's reports/metrics.json."""
    path = root / METRICS
    if not path.is_file():
        raise DataError(f"{path} does not exist", "run the study first: `dvc repro`")
    return _parse(path.read_text(), str(path))


def _interval(metrics: dict[str, Any], key: str) -> tuple[float, float] | None:
    low, high = (metrics.get(k) for k in ci_keys(key))
    if isinstance(low, int | float) and isinstance(high, int | float):
        return float(low), float(high)
    return None


def verdict(old: dict[str, Any], new: dict[str, Any], key: str) -> str:
    """Whether the 95% CIs of `key` on both sides overlap; "" when a side has none."""
    a, b = _interval(old, key), _interval(new, key)
    if a is None or b is None:
        return ""
    if a[0] <= b[1] and b[0] <= a[1]:
        return "95% CIs overlap: no significant change shown"
    return "95% CIs disjoint: significant change"


def diff_metrics(old: dict[str, Any], new: dict[str, Any]) -> list[Delta]:
    """One Delta per key of either side (CI bounds are folded into their estimate's line)."""
    keys = sorted(set(old) | set(new))
    return [Delta(k, old.get(k, ABSENT), new.get(k, ABSENT), verdict(old, new, k))
            for k in keys if not is_bound(k)]


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"{value:.6g}" if math.isfinite(value) else str(value)
    return str(value)


def render(deltas: list[Delta], rev: str, show_all: bool = False) -> str:
    """The diff as aligned text lines: key, value at REV, working tree value, delta, verdict."""
    shown = [d for d in deltas if show_all or d.changed]
    changed = sum(d.changed for d in deltas)
    lines = [f"reports/metrics.json: {rev} -> working tree; {changed} of {len(deltas)} "
             "metrics changed"]
    if not shown:
        return "\n".join([*lines, "no differences"])
    width = max(len(d.key) for d in shown)
    lines.append(f"{'key':<{width}}  {rev:>12}  {'working':>12}  {'delta':>12}")
    for d in shown:
        diff = "" if d.difference is None else f"{d.difference:+.4g}"
        text = f"{d.key:<{width}}  {_show(d.old):>12}  {_show(d.new):>12}  {diff:>12}"
        lines.append(f"{text}  {d.verdict}".rstrip())
    return "\n".join(lines)


def diff_report(root: Path, rev: str, show_all: bool = False) -> str:
    """`selforg diff`: the rendered comparison of REV's metrics with the working tree's."""
    new = current_metrics(root)
    old = metrics_at(root, rev)
    return render(diff_metrics(old, new), rev, show_all)
