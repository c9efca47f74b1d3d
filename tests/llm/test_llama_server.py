"""A real OpenAI-compatible server: llama-cpp-python's own, on the embedded model's weights.

Why (issue 13): the README's "Another model" recipe (`openai/NAME` + `api_base`) is how most
open-weights users reach vLLM, llama.cpp's server, LM Studio or Ollama; litellm knows no such
model name, so selforg used to send no response_format and the replies were unconstrained.
Here a tiny study runs through `python -m llama_cpp.server` (started on 127.0.0.1 with the
SmolLM2 GGUF that `local/smollm2-135m` loads in-process) with `dvc repro`, end to end: its
agent turns must parse at least as often as the same study's on `local/` (run by the same
stage function), and every judgment, asked of the server too, must parse. This server
answers a json_schema request with HTTP 500, so `auto` must fall back to json_object,
recorded in every row and in the report.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from selforg.llm.engine import N_BATCH, N_CTX, threads
from selforg.llm.local_models import weights_path
from selforg.tables import read_table
from stages.generate_tasks import generate_tasks
from stages.run_protocol import run_protocol
from tests.conftest import REPO, write_params

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
START_TIMEOUT_S = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m llama_cpp.server` on the embedded GGUF; yields its api_base once it answers."""
    port = free_port()
    n_threads = threads()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model",
             str(weights_path("smollm2-135m")), "--host", "127.0.0.1", "--port", str(port),
             # llama.cpp set up as local/ sets it up (context, batch, threads). Decoding still
             # differs: the server's default repeat_penalty is 1.1, in-process it is 1.0
             "--n_ctx", str(N_CTX), "--n_batch", str(N_BATCH),
             "--n_threads", str(n_threads), "--n_threads_batch", str(n_threads)],
            stdout=out, stderr=subprocess.STDOUT)
    api_base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"{api_base}/models", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"llama_cpp.server did not start:\n{log.read_text()}")
            time.sleep(0.25)
        yield api_base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # still computing an abandoned request
            proc.kill()
            proc.wait()


def tiny_study(model: dict[str, Any]) -> dict[str, Any]:
    """The same tiny study for both: one L1 task, single and sequential at N = 2, greedy."""
    return {
        "seed": 3,
        "tasks": {"per_level": 1, "levels": ["L1"]},
        "models": [model],
        "study": {"models": [model["name"]], "protocols": ["single", "sequential"],
                  "n_agents": [2], "temperature": 0.0, "agent_max_tokens": 64,
                  "assembly": "concat"},
        "judges": {"models": [model["name"]], "samples": 1, "max_tokens": 160,
                   "allow_self_judging": True},
        "budget": {"max_usd": 1.0, "max_calls": 1000},
        "cache": {"dir": ".selforg/cache"},
    }


def parse_rate(root: Path) -> tuple[float, int]:
    turns = read_table("turns", root / "data" / "turns.parquet")
    agents = turns[turns["agent"] >= 0]
    return float(agents["parse_ok"].mean()), len(agents)


# Ten SmolLM2 calls, two of them judgments: a minute or two on a quiet 2-core machine; ten
# times that and more when other jobs load it (the suite's 900 s default is too short then).
@pytest.mark.timeout(3600)
def test_study_through_llama_cpp_server_parses_as_well_as_local(
        llama_server: str, tmp_path: Path) -> None:
    served = tmp_path / "served"
    for name in ("selforg", "stages", "flows"):
        shutil.copytree(REPO / name, served / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "dvc.yaml", served / "dvc.yaml")
    (served / "data").mkdir()
    shutil.copy(REPO / "data" / "human_ratings.parquet", served / "data")  # in git, like dvc.yaml
    model = {"name": "smollm2-server", "model": "openai/smollm2-135m",
             "api_base": llama_server, "max_concurrency": 1, "timeout_s": 600,
             "price": {"input_per_mtok": 0, "output_per_mtok": 0}, "open_weights": True}
    (served / "params.yaml").write_text(yaml.safe_dump(tiny_study(model), sort_keys=False))
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "DVC_NO_ANALYTICS": "1"}
    for args in (["dvc", "init", "--no-scm", "-q"], ["dvc", "config", "core.analytics", "false"],
                 ["dvc", "repro"]):
        result = subprocess.run(args, cwd=served, env=env, capture_output=True, text=True,
                                check=False, timeout=3000)
        assert result.returncode == 0, result.stdout + result.stderr
    assert "falls back from json_schema to json_object" in result.stdout

    local = tmp_path / "local"
    local.mkdir()
    params = write_params(local / "params.yaml", tiny_study(
        {"name": "smollm2", "model": "local/smollm2-135m", "max_concurrency": 1,
         "open_weights": True}))
    generate_tasks(params, local)
    run_protocol(params, local)

    served_rate, served_n = parse_rate(served)
    local_rate, local_n = parse_rate(local)
    print(f"agent turns parsed: llama_cpp.server {served_rate:.0%} of {served_n}, "
          f"local/ {local_rate:.0%} of {local_n}")
    assert served_n == local_n > 0
    assert served_rate >= local_rate
    turns = read_table("turns", served / "data" / "turns.parquet")
    assert set(turns.loc[turns["agent"] >= 0, "structured_output"]) == {"json_object"}
    # The judge used the same mechanism: constrained, and every judgment parsed (dvc repro
    # exits 0 only when no judgment failed).
    judgments = read_table("judgments", served / "data" / "judgments.parquet")
    assert (judgments["status"] == "ok").all() and len(judgments) == 2
    assert set(judgments["structured_output"]) == {"json_object"}
    report = (served / "reports" / "report.md").read_text()
    assert "json_object" in report and "fell back from json_schema" in report
