"""params/reference.yaml: the reference study's full design validates and plans."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from selforg.cli import main
from selforg.config import load_config
from selforg.plan import make_plan
from selforg.protocols import registry
from tests.conftest import REPO

REFERENCE = REPO / "params" / "reference.yaml"
PROTOCOLS = {"coordinator", "sequential", "broadcast", "shared", "stigmergic", "ripple",
             "morphogenetic", "clonal", "single", "fixed_roles"}


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy values for every api_key_env the file names: validation checks they are set."""
    for spec in yaml.safe_load(REFERENCE.read_text())["models"]:
        if spec.get("api_key_env"):
            monkeypatch.setenv(spec["api_key_env"], "test-key")


def registered_copy(tmp_path: Path) -> Path:
    """The file with its protocols restricted to those registered now (all, once they are)."""
    params = yaml.safe_load(REFERENCE.read_text())
    params["study"]["protocols"] = [p for p in params["study"]["protocols"]
                                    if p in registry.names()]
    path = tmp_path / "reference.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


def test_the_design_is_the_papers() -> None:
    params = yaml.safe_load(REFERENCE.read_text())
    study = params["study"]
    assert set(study["protocols"]) == PROTOCOLS
    assert len(study["models"]) == 8
    assert min(study["n_agents"]) == 4 and max(study["n_agents"]) == 256
    assert {64, 96, 128, 256} <= set(study["n_agents"])
    assert params["tasks"]["levels"] == ["L1", "L2", "L3", "L4"]
    by_name = {m["name"]: m for m in params["models"]}
    assert sum(by_name[m].get("open_weights", False) for m in study["models"]) == 2
    studied = {by_name[m]["model"] for m in study["models"]}
    assert not studied & {by_name[j]["model"] for j in params["judges"]["models"]}
    assert all(by_name[m].get("api_key_env") for m in [*study["models"],
                                                       *params["judges"]["models"]])


def test_it_validates_and_plans_at_the_papers_scale(keys: None, tmp_path: Path) -> None:
    cfg = load_config(registered_copy(tmp_path))
    assert not cfg.self_judging
    plan = make_plan(cfg)
    if set(cfg.study.protocols) == PROTOCOLS:
        assert plan.total_runs >= 20_810  # the paper's run count
    assert 0 < plan.usd <= plan.worst_usd <= cfg.budget.max_usd


def test_selforg_plan_prints_calls_tokens_and_usd(keys: None, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["plan", "--params", str(registered_copy(tmp_path))])
    assert done.value.code == 0
    printed = capsys.readouterr().out
    assert "valid" in printed and "calls" in printed and "$" in printed


def test_missing_keys_are_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(SystemExit) as done:
        main(["plan", "--params", str(registered_copy(tmp_path))])
    assert done.value.code == 2
    assert "ANTHROPIC_API_KEY" in capsys.readouterr().err
