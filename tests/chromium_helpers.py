"""Headless chromium for the tests that check what a user sees in a browser (DVC's plots page,
the Prefect UI's artifact pages). Those checks run where Debian's chromium is installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def chromium() -> str | None:
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser",
                                                        "google-chrome")) if p), None)


def dump_dom(url: str, profile: Path, offline: bool = False, budget_ms: int = 15000) -> str:
    """The page's DOM after its scripts ran (`budget_ms` of virtual time); with `offline`, every
    host name is unresolvable, so nothing can be fetched from the network."""
    browser = chromium()
    assert browser is not None, "no chromium installed"
    args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            f"--user-data-dir={profile}", f"--virtual-time-budget={budget_ms}"]
    if offline:
        args.append("--host-resolver-rules=MAP * ~NOTFOUND")
    return subprocess.run([*args, "--dump-dom", url], capture_output=True, text=True,
                          timeout=180, check=True).stdout
