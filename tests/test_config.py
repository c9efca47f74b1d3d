"""`selforg plan` refuses bad params with exit 2, one clear message per problem, no calls."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from selforg.cli import main
from selforg.config import load_config
from selforg.errors import ConfigError
from tests.conftest import scripted_params, write_params


def plan_exit(tmp_path: Path, params: dict[str, Any], capsys: pytest.CaptureFixture[str],
              ) -> tuple[int, str]:
    path = write_params(tmp_path / "p.yaml", params)
    with pytest.raises(SystemExit) as exc:
        main(["plan", "--params", str(path)])
    return int(exc.value.code or 0), capsys.readouterr().err


def mutate(base: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    params = copy.deepcopy(base)
    *parents, last = dotted.split(".")
    node: Any = params
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    if value is _DELETE:
        del node[last]
    elif last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return params


_DELETE = object()

CASES = [
    ("typo'd key", "study.protocolz", ["single"], "unknown key 'study.protocolz'"),
    ("unknown protocol", "study.protocols", ["sequentail"], "did you mean 'sequential'"),
    ("negative agent count", "study.n_agents", [-4], "study.n_agents.0"),
    ("no models", "models", [], "models"),
    ("zero budget", "budget.max_usd", 0, "budget.max_usd"),
    ("unknown model alias", "study.models", ["gpt"], "no model named 'gpt'"),
    ("bad level", "tasks.levels", ["L5"], "tasks.levels.0"),
    ("missing section", "judges", _DELETE, "missing key 'judges'"),
    ("shock of both kinds", "study.shocks",
     [{"name": "s", "remove": {"k": 1}, "substitute": {"model": "fake", "share": 0.5}}],
     "exactly one of remove:, substitute: or priority_shift:"),
    ("shock of no kind", "study.shocks", [{"name": "s"}], "exactly one of remove:"),
    ("shock of three kinds", "study.shocks",
     [{"name": "s", "remove": {"k": 1}, "priority_shift": {}}], "exactly one of remove:"),
    ("unknown priority shift kind", "study.shocks",
     [{"name": "s", "priority_shift": {"kind": "budget"}}],
     "study.shocks.0.priority_shift.kind"),
    ("batch size zero", "study.sequential_batch_size", 0, "study.sequential_batch_size"),
    ("shock removing nobody", "study.shocks", [{"name": "s", "remove": {"k": 0}}],
     "study.shocks.0.remove.k"),
    ("unknown removal target", "study.shocks",
     [{"name": "s", "remove": {"k": 1, "target": "loudest"}}], "study.shocks.0.remove.target"),
    ("substitute share above 1", "study.shocks",
     [{"name": "s", "substitute": {"model": "fake", "share": 1.5}}],
     "study.shocks.0.substitute.share"),
    ("shock name not an identifier", "study.shocks",
     [{"name": "drop 2", "remove": {"k": 2}}], "study.shocks.0.name"),
    ("unknown substitute model", "study.shocks",
     [{"name": "s", "substitute": {"model": "fak", "share": 0.5}}],
     "study.shocks[0].substitute.model: no model named 'fak'"),
    ("unknown structured-output mode", "models.0.structured_output", "grammar",
     "models.0.structured_output"),
    ("zero requests per minute", "models.0.rpm", 0, "models.0.rpm"),
    ("failed share above 1", "study.max_failed_share", 1.5, "study.max_failed_share"),
    ("duplicate shock names", "study.shocks",
     [{"name": "s", "remove": {"k": 1}}, {"name": "s", "remove": {"k": 2}}],
     "study.shocks[1]: the name 's' is used twice"),
]


@pytest.mark.parametrize(("what", "key", "value", "expected"), CASES, ids=[c[0] for c in CASES])
def test_plan_rejects_bad_params(tmp_path: Path, capsys: pytest.CaptureFixture[str], what: str,
                                 key: str, value: Any, expected: str) -> None:
    code, err = plan_exit(tmp_path, mutate(scripted_params(tmp_path), key, value), capsys)
    assert code == 2, what
    assert expected in err
    assert "fix:" in err
    assert "Traceback" not in err


def test_unset_api_key_env(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SELFORG_TEST_KEY", raising=False)
    params = scripted_params(tmp_path)
    params["models"][0]["api_key_env"] = "SELFORG_TEST_KEY"
    code, err = plan_exit(tmp_path, params, capsys)
    assert code == 2
    assert "'SELFORG_TEST_KEY' is not set" in err


def test_self_judging_needs_override(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    params = scripted_params(tmp_path)
    params["judges"]["models"] = ["fake"]
    code, err = plan_exit(tmp_path, params, capsys)
    assert code == 2
    assert "judge its own runs" in err
    params["judges"]["allow_self_judging"] = True
    cfg = load_config(write_params(tmp_path / "ok.yaml", params))
    assert cfg.self_judging


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    params = mutate(scripted_params(tmp_path), "study.protocolz", ["x"])
    params["budget"]["max_usd"] = -1
    with pytest.raises(ConfigError) as exc:
        load_config(write_params(tmp_path / "p.yaml", params))
    assert len(exc.value.problems) == 2


def test_unknown_litellm_model_and_unpriced_server(tmp_path: Path) -> None:
    params = scripted_params(tmp_path)
    params["models"][0]["model"] = "nosuchprovider/xyz"
    with pytest.raises(ConfigError, match="does not recognise"):
        load_config(write_params(tmp_path / "p.yaml", params))
    params["models"][0].update(model="openai/my-model", api_base="http://127.0.0.1:9/v1")
    with pytest.raises(ConfigError, match="no price known"):
        load_config(write_params(tmp_path / "p.yaml", params))
    params["models"][0]["price"] = {"input_per_mtok": 0, "output_per_mtok": 0}
    assert load_config(write_params(tmp_path / "p.yaml", params)).models[0].price is not None


def test_unknown_local_model(tmp_path: Path) -> None:
    params = scripted_params(tmp_path)
    params["models"][0]["model"] = "local/llama-70b"
    with pytest.raises(ConfigError, match="unknown local model"):
        load_config(write_params(tmp_path / "p.yaml", params))


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("study: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_repository_params_are_valid() -> None:
    cfg = load_config(Path(__file__).resolve().parents[1] / "params.yaml")
    assert cfg.agent_models[0].model == "local/smollm2-135m"


def test_plan_worst_case_counts_the_coordinators_longer_plan_call(tmp_path: Path) -> None:
    """The coordinator's plan call may use plan_max_tokens, more than an agent reply."""
    from selforg.plan import REPLY_SHARE, make_plan
    from selforg.protocols.builtin.coordinator import plan_max_tokens

    params = scripted_params(tmp_path / "cache")
    params["study"].update(protocols=["coordinator", "sequential"], n_agents=[16],
                           agent_max_tokens=64, assembly="concat")
    cfg = load_config(write_params(tmp_path / "p.yaml", params))
    runs = cfg.tasks.per_level * len(cfg.tasks.levels)
    agent = make_plan(cfg).per_model["fake"]
    expected = runs * ((plan_max_tokens(16, 64) + 16 * 64) + 16 * 64)
    assert plan_max_tokens(16, 64) > 64
    assert agent.completion_tokens == pytest.approx(REPLY_SHARE * expected)
