"""A real Prefect server in a subprocess, for the tests that serve flows or run Dask workers.

A separate server (not Prefect's temporary in-process one) is what those setups need in
practice: served flow runs and Dask workers are other processes that must reach one API.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import REPO

# Loaded 2-core CI machines: the server needs seconds, a study flow about a minute.
STARTUP_S = 240


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prefect_env(home: Path, api_url: str | None = None) -> dict[str, str]:
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_ENABLED": "false", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    env.pop("PREFECT_API_URL", None)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def stop(process: subprocess.Popen[str]) -> None:
    """Terminate a process we started, then kill it if it does not exit."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


@contextmanager
def prefect_server(home: Path, ui: bool = False) -> Iterator[str]:
    """Start `prefect server start` on a free port (with its web UI if `ui`); yield its API URL
    once healthy. The UI, when served, is at the API URL without /api."""
    port = free_port()
    home.mkdir(parents=True, exist_ok=True)
    log = (home / "server.log").open("w")
    api = f"http://127.0.0.1:{port}/api"
    env = prefect_env(home)
    if ui:
        env.update(PREFECT_UI_ENABLED="true", PREFECT_UI_API_URL=api)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "prefect"), "server", "start", "--host", "127.0.0.1",
         "--port", str(port)], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        text=True)
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            assert server.poll() is None, (home / "server.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{api}/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the Prefect server did not become healthy"
            time.sleep(1)
        yield api
    finally:
        stop(server)
        log.close()
