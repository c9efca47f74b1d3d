"""`selforg plan` on a corpus of malformed params files (tests/faults/params/*.yaml).

Why a corpus of files run through the real command line: a user meets a bad params file as a
process that prints something and exits. Each file must end in exit code 2 with an `error:` and
a `fix:` line naming the problem (the file's `# expect:` line), no traceback, and no model call:
models that could be called point at a live stub server, which must see no request, and no call
cache may appear. Every file starts with `# WHAT:` saying what is wrong with it.

All files are checked in parallel (one process each, as many at a time as there are CPUs).
"""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from selforg.llm.stub_server import StubServer
from tests.faults.conftest import assert_clean_failure, run

CORPUS = Path(__file__).resolve().parent / "params"
FILES = sorted(CORPUS.glob("*.yaml"))
PLACEHOLDER = "STUB_API_BASE"
VALID = """\
models:
  - {name: agent, model: scripted/instant, api_key_env: SELFORG_CORPUS_KEY}
  - {name: judge, model: scripted/instant-judge}
study: {models: [agent], protocols: [single], n_agents: [3]}
judges: {models: [judge]}
budget: {max_usd: 1.0, max_calls: 1000}
"""


def lines(path: Path) -> list[str]:
    """The file's lines; bytes that are not UTF-8 (the binary-file case) shown replaced."""
    return path.read_bytes().decode("utf-8", errors="replace").splitlines()


def header(path: Path, tag: str) -> str:
    """The value of the file's `# TAG:` comment line."""
    for line in lines(path):
        if line.startswith(f"# {tag}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"{path.name} has no '# {tag}:' line")


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory, subprocess_env: dict[str, str],
             ) -> dict[str, tuple[subprocess.CompletedProcess[str], Path]]:
    """Run `selforg plan` on every corpus file and the valid control, all at once, against a
    live stub server; check afterwards that the server saw no request."""
    root = tmp_path_factory.mktemp("corpus")
    env = dict(subprocess_env)
    env.pop("SELFORG_CORPUS_UNSET_KEY", None)
    env["SELFORG_CORPUS_KEY"] = "sk-corpus-not-a-real-key"
    with StubServer() as server:
        jobs = []
        # The valid control first: it takes longest (it computes the design adequacy).
        for source in [None, *FILES]:
            name = source.name if source else "valid-control.yaml"
            cwd = root / name.removesuffix(".yaml")
            cwd.mkdir()
            raw = source.read_bytes() if source else VALID.encode()
            (cwd / "params.yaml").write_bytes(raw.replace(PLACEHOLDER.encode(),
                                                          server.api_base.encode()))
            jobs.append((name, cwd))
        # One process per CPU (more only thrashes), each CPU starting the next file as soon
        # as its last one ends: the few files whose check imports litellm take seconds, the
        # rest a fraction of one, so waiting for a whole batch would leave CPUs idle.
        width = max(2, os.cpu_count() or 2)

        def plan(cwd: Path) -> subprocess.CompletedProcess[str]:
            return run(["-m", "selforg", "plan", "--params", "params.yaml"], cwd, env,
                       timeout=180)

        with ThreadPoolExecutor(max_workers=width) as pool:
            done = pool.map(plan, [cwd for _, cwd in jobs])
            results = {name: (proc, cwd) for (name, cwd), proc in zip(jobs, done, strict=True)}
        requests = server.state.requests
    assert requests == 0, f"selforg plan sent {requests} request(s) to a model"
    return results


def test_corpus_is_large_and_documented() -> None:
    assert len(FILES) >= 20
    for path in FILES:
        assert header(path, "WHAT") and header(path, "expect")
        assert len(lines(path)) <= 15, f"{path.name}: keep corpus files small"


def test_valid_control_passes(outcomes: dict[str, tuple[subprocess.CompletedProcess[str], Path]],
                              ) -> None:
    """The corpus files fail because of their defect, not because the base is broken."""
    proc, _ = outcomes["valid-control.yaml"]
    assert proc.returncode == 0, proc.stderr
    assert "valid" in proc.stdout


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_bad_params_file_is_refused_cleanly(
        path: Path, outcomes: dict[str, tuple[subprocess.CompletedProcess[str], Path]]) -> None:
    proc, cwd = outcomes[path.name]
    assert_clean_failure(proc)
    assert header(path, "expect") in proc.stderr, proc.stderr
    assert "valid" not in proc.stdout
    assert not list(cwd.rglob("calls.sqlite")), "plan must not open a call cache"
    assert sorted(p.name for p in cwd.iterdir()) == ["params.yaml"]
