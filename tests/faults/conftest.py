"""Helpers for the fault tests that run selforg as a user would: in a subprocess.

Why bytecode is allowed: these tests start many short Python processes. `make install`
compiles the virtualenv's bytecode, but where the environment forbids writing .pyc files
(PYTHONDONTWRITEBYTECODE) every process would compile selforg's own modules again; the
subprocesses may write them (next to the sources, ignored by git), so the first one compiles
and the rest reuse. (A PYTHONPYCACHEPREFIX would do the same but hide the virtualenv's
compiled litellm and great-expectations: measured 19.5 CPU s to compile them again, per
session and pytest worker.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="session")
def subprocess_env() -> dict[str, str]:
    """Environment for selforg subprocesses: offline litellm, bytecode written, repo
    importable (stages/ and tests/ are not installed packages)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


def start(args: Sequence[str], cwd: Path, env: dict[str, str],
          log: Path | None = None) -> subprocess.Popen[str]:
    """Start `python ARGS`; output goes to pipes, or to LOG.out / LOG.err files when given."""
    if log is None:
        return subprocess.Popen([sys.executable, *args], cwd=cwd, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log.with_suffix(".out"), "w") as out, open(log.with_suffix(".err"), "w") as err:
        return subprocess.Popen([sys.executable, *args], cwd=cwd, env=env, text=True,
                                stdout=out, stderr=err)


def run(args: Sequence[str], cwd: Path, env: dict[str, str],
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `python ARGS` to the end and capture its output."""
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=timeout, check=False)


def assert_clean_failure(proc: subprocess.CompletedProcess[str], code: int = 2) -> None:
    """A user error: the promised exit code, problem and fix lines, and no traceback."""
    assert proc.returncode == code, (proc.returncode, proc.stderr[-2000:])
    assert "error:" in proc.stderr and "fix:" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
