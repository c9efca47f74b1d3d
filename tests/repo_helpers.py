"""Scratch git + DVC repositories for the tests that use the project as a user does: with git,
`dvc` and `selforg` commands in a subprocess, in a directory of its own."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

BIN = Path(sys.executable).parent
# What a scratch project copies from this repository: the code the stages run and the pipeline;
# and, after `dvc init`, the DVC configuration with the offline plots template it names.
# data/human_ratings.parquet is tracked by git (ratings are typed in, not regenerated)
PROJECT_FILES = ("selforg", "stages", "flows", "dvc.yaml", ".gitignore",
                 "data/human_ratings.parquet")
DVC_FILES = (".dvc/config", ".dvc/plots_offline.html")


def env() -> dict[str, str]:
    """The project's environment first on PATH (dvc.yaml calls `python`), a fixed git identity,
    no analytics, and no user git config (a scratch repository must not depend on it)."""
    return {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "DVC_NO_ANALYTICS": "1",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True", "GIT_AUTHOR_NAME": "selforg test",
            "GIT_AUTHOR_EMAIL": "test@selforg.invalid", "GIT_COMMITTER_NAME": "selforg test",
            "GIT_COMMITTER_EMAIL": "test@selforg.invalid", "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1"}


def sh(cwd: Path, *args: str, check: bool = True,
       timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run a command in `cwd`; with `check`, a failure shows its output."""
    result = subprocess.run(args, cwd=cwd, env=env(), capture_output=True, text=True,
                            timeout=timeout, check=False)
    if check:
        assert result.returncode == 0, (args, result.stdout[-3000:], result.stderr[-3000:])
    return result


def selforg(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return sh(cwd, str(BIN / "selforg"), *args, check=check)


def copy_project(root: Path, files: tuple[str, ...] = PROJECT_FILES) -> Path:
    """This repository's code and pipeline under `root` (no data, no reports, no caches)."""
    root.mkdir(parents=True, exist_ok=True)
    for name in files:
        source, target = REPO / name, root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    return root


def init_repo(root: Path) -> Path:
    """git init + dvc init in `root`, then this repository's DVC configuration."""
    sh(root, "git", "init", "-q", "-b", "main")
    sh(root, "dvc", "init", "-q")
    for name in DVC_FILES:
        shutil.copy(REPO / name, root / name)
    return root


def commit(root: Path, message: str, *paths: str) -> str:
    sh(root, "git", "add", *(paths or (".",)))
    sh(root, "git", "commit", "-q", "-m", message)
    return sh(root, "git", "rev-parse", "--short", "HEAD").stdout.strip()
