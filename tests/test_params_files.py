"""The committed params files as a user meets them: params.yaml survives `dvc exp run -S`
intact (DVC rewrites the file and drops comments inside lists, so the examples that used to sit
there live in params/examples.yaml), and the examples validate with `selforg plan`."""

from __future__ import annotations

import difflib
import subprocess
from pathlib import Path

import pytest
import yaml

from selforg.config import load_config
from tests.conftest import REPO
from tests.repo_helpers import BIN, commit, env, init_repo, sh

EXAMPLES = REPO / "params" / "examples.yaml"
# A stage that reads the params an experiment sets: what DVC needs to run `exp run -S` on them.
ECHO_STAGE = """\
stages:
  echo:
    cmd: python -c "import yaml; print(yaml.safe_load(open('params.yaml')))" > echo.txt
    params:
      - study
      - judges
    outs:
      - echo.txt
"""


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(),
                                                  lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


@pytest.mark.slow
def test_dvc_exp_run_set_changes_only_what_it_sets(tmp_path: Path) -> None:
    root = tmp_path / "exp"
    root.mkdir()
    init_repo(root)
    original = (REPO / "params.yaml").read_text()
    (root / "params.yaml").write_text(original)
    (root / "dvc.yaml").write_text(ECHO_STAGE)
    commit(root, "params")
    sh(root, "dvc", "exp", "run", "-S", "study.temperature=0.5", "-S", "study.n_agents=[4,8]")
    after = (root / "params.yaml").read_text()
    # every comment and every other line as it was: nothing the user needs was lost
    assert changed_lines(original, after) == [
        "+  - 8", "-  temperature: 0.7", "+  temperature: 0.5"], after
    expected = yaml.safe_load(original)
    expected["study"].update(temperature=0.5, n_agents=[4, 8])
    assert yaml.safe_load(after) == expected
    cfg = load_config(root / "params.yaml")
    assert cfg.study.temperature == 0.5 and cfg.study.n_agents == [4, 8]


def test_params_yaml_points_to_the_examples() -> None:
    text = (REPO / "params.yaml").read_text()
    assert "params/examples.yaml" in text and EXAMPLES.is_file()


def start_plan(params: Path, environment: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([str(BIN / "selforg"), "plan", "--params", str(params)], cwd=REPO,
                            env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def test_examples_validate_with_selforg_plan() -> None:
    """Valid once the key's variable is set (any value: plan makes no call); without it, the
    refusal names the variable."""
    with_key = {**env(), "OPENAI_API_KEY": "not-a-real-key"}
    without = {k: v for k, v in env().items() if k != "OPENAI_API_KEY"}
    # Both at once: each imports litellm for seconds, and there are two CPUs.
    valid, refused = start_plan(EXAMPLES, with_key), start_plan(EXAMPLES, without)
    (code, out, err), refusal = finish(valid), finish(refused)
    assert code == 0, err
    assert f"{EXAMPLES}: valid" in out
    for name in ("gpt4o-mini", "my-vllm", "gpt4o-judge"):
        assert name in out
    for shock in ("drop2", "hub_out", "half_swapped"):
        assert f"shock {shock}" in out
    code, _, err = refusal
    assert code == 2 and "OPENAI_API_KEY" in err and "Traceback" not in err
