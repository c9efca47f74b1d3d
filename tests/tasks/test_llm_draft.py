"""`tasks.generator: llm`: open tasks reworded by a model through the gateway, validated,
de-duplicated, cached; verifiable tasks keep their template text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from selforg.config import load_config
from selforg.errors import ConfigError
from selforg.llm.scripted import register_script
from selforg.tables import read_table
from selforg.tasks import generate_tasks as templates
from stages.generate_tasks import generate_tasks
from tests.conftest import scripted_params, write_params


class Rewriter:
    def __init__(self, reply: str | None = None) -> None:
        self.calls = 0
        self.reply = reply

    def __call__(self, messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        self.calls += 1
        if self.reply is not None:
            return self.reply
        return "In other words: " + messages[-1]["content"]


def params_file(tmp_path: Path, script: str) -> Path:
    params = scripted_params(tmp_path / "cache")
    params["models"].append({"name": "writer", "model": f"scripted/{script}"})
    params["tasks"] = {"per_level": 3, "levels": ["L1", "L4"], "generator": "llm",
                       "draft_model": "writer"}
    return write_params(tmp_path / "params.yaml", params)


def test_open_tasks_are_reworded_verifiable_kept(tmp_path: Path) -> None:
    rewriter = Rewriter()
    register_script("rewriter", rewriter)
    path = params_file(tmp_path, "rewriter")
    generate_tasks(path, tmp_path)
    drafted = read_table("tasks", tmp_path / "data" / "tasks.parquet")
    base = {t.task_id: t for t in templates(0, 3, ["L1", "L4"])}
    for row in drafted.itertuples():
        template = base[row.task_id]
        if row.verifiable:
            assert row.prompt == template.prompt
        else:
            assert row.prompt == "In other words: " + template.prompt
    assert rewriter.calls == sum(not t.verifiable for t in base.values())
    generate_tasks(path, tmp_path)
    assert rewriter.calls == sum(not t.verifiable for t in base.values())


def test_invalid_or_duplicate_drafts_fall_back_to_templates(tmp_path: Path) -> None:
    register_script("same", Rewriter("Do the thing well for Ana Ruiz and everyone."))
    generate_tasks(params_file(tmp_path, "same"), tmp_path)
    drafted = read_table("tasks", tmp_path / "data" / "tasks.parquet")
    base = {t.task_id: t.prompt for t in templates(0, 3, ["L1", "L4"])}
    changed = [r for r in drafted.itertuples() if r.prompt != base[r.task_id]]
    assert len(changed) == 1
    assert all(r.level == "L1" for r in changed)


def test_llm_generator_needs_a_draft_model(tmp_path: Path) -> None:
    params = scripted_params(tmp_path / "cache")
    params["tasks"] = {"generator": "llm"}
    with pytest.raises(ConfigError, match="draft_model"):
        load_config(write_params(tmp_path / "p.yaml", params))
    params["tasks"] = {"generator": "llm", "draft_model": "nope"}
    with pytest.raises(ConfigError, match="no model named 'nope'"):
        load_config(write_params(tmp_path / "p.yaml", params))
