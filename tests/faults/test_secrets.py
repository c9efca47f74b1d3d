"""An API key used by a study appears nowhere the study writes.

Why: params.yaml names only the key's environment variable, and the gateway scrubs provider
error text, but the promise users care about is end to end: after a run (faults included, so
error paths are exercised) a byte search of data/, reports/, the captured stdout and stderr of
every stage, the call cache and a DVC cache if there is one finds no copy of the key. The stub
server records the Authorization header, proving the key was really used. The prompt log is
also searched decoded (every message rebuilt from its parts), since a byte search of a
compressed parquet file could miss a key split across a compression boundary.
"""

from __future__ import annotations

from pathlib import Path

from selforg.llm.stub_server import Faults, StubServer
from selforg.paths import Paths
from selforg.prompt_log import messages_of
from selforg.tables import read_table
from tests.conftest import scripted_params, write_params
from tests.faults.conftest import start

SECRET = "sk-selforg-fault-test-7f3a9c1e5b2d4086-DO-NOT-LEAK"
KEY_ENV = "SELFORG_SECRET_TEST_KEY"
STAGES = ["generate_tasks", "run_protocol", "judge", "aggregate"]


def test_key_is_used_but_never_written(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    root = tmp_path / "project"
    root.mkdir()
    env = {**subprocess_env, KEY_ENV: SECRET}
    faults = Faults(rate_limit=0.1, server_error=0.1, not_json=0.05, retry_after_s=0.01)
    with StubServer(faults=faults, seed=5) as server:
        params = scripted_params(Path(".selforg/cache"))
        params["tasks"] = {"per_level": 1, "levels": ["L1", "L2"]}
        params["models"][0] = {
            "name": "served", "model": "openai/stub-model", "api_base": server.api_base,
            "api_key_env": KEY_ENV, "timeout_s": 5.0,
            "price": {"input_per_mtok": 0.5, "output_per_mtok": 1.5}}
        # Faults may make a run fail for good; that is not this test's point (the failure's
        # message must still keep the key out of the logs), so the stages accept it.
        params["study"] = {"models": ["served"], "protocols": ["single", "sequential"],
                           "n_agents": [2], "max_failed_share": 1.0}
        params["retry"] = {"attempts": 2, "base_delay_s": 0.01, "max_delay_s": 0.05}
        write_params(root / "params.yaml", params)
        for stage in STAGES:
            proc = start(["-m", f"stages.{stage}", "--params", "params.yaml", "--root", "."],
                         root, env, log=root / "logs" / stage)
            assert proc.wait(timeout=180) == 0, (root / "logs" / f"{stage}.err").read_text()
    assert server.state.answered > 0
    assert set(server.state.auth_headers) == {f"Bearer {SECRET}"}
    assert sum(server.state.events.values()) > 0, "faults must fire so error paths are covered"

    searched = [root / "data", root / "reports", root / "logs", root / ".selforg" / "cache",
                root / ".dvc" / "cache"]
    files = [p for d in searched if d.exists() for p in d.rglob("*") if p.is_file()]
    assert {p.parent.name for p in files} >= {"data", "reports", "logs", "cache"}
    assert any(p.name == "calls.sqlite" for p in files)
    for path in [*files, *root.glob("*")]:
        if path.is_file():
            blob = path.read_bytes()
            assert SECRET.encode() not in blob, f"key found in {path}"
            assert SECRET[8:32].encode() not in blob, f"part of the key found in {path}"

    decoded = 0
    for calls, texts in (("prompts", "prompt_texts"), ("judge_prompts", "judge_prompt_texts")):
        table = read_table(texts, Paths(root).table(texts))
        lookup = dict(zip(table["text_id"], table["text"], strict=True))
        assert all(SECRET[8:32] not in text for text in lookup.values())
        for _, call in read_table(calls, Paths(root).table(calls)).iterrows():
            for message in messages_of(call, lookup):
                assert SECRET[8:32] not in message["content"], f"key found in {calls}"
                decoded += "TASK" in message["content"]
    assert decoded > 0, "the prompt log must hold the prompts the stub server answered"
