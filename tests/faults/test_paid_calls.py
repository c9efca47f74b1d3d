"""Nothing paid is lost: every answered request is a row, and the ledger is the tables' sum.

Why: a call the provider answered was paid for, whatever happened to its siblings. When one
call of a parallel wave fails, the run fails, but the calls answered beside it must still be
turns of that run and count in its cost; otherwise the tables under-report spend and a re-run
cannot show where the money went. The invariant checked under injected faults:
ledger spend (the cache's record of every paid call) = sum of turns cost + judgments cost, and
ledger calls = requests the servers answered.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from selforg.failures import StudyIncomplete
from selforg.llm.cache import CallCache
from selforg.llm.stub_server import Faults, StubServer
from selforg.tables import read_table
from stages.generate_tasks import generate_tasks
from stages.judge import judge
from stages.run_protocol import run_protocol
from tests.conftest import scripted_params, write_params

PRICE = {"input_per_mtok": 0.5, "output_per_mtok": 1.5}


def served(name: str, api_base: str) -> dict[str, Any]:
    return {"name": name, "model": f"openai/{name}", "api_base": api_base,
            "max_concurrency": 4, "timeout_s": 0.6, "price": PRICE}


def agent_zero(request: dict[str, Any]) -> bool:
    return "You are agent 0." in request["messages"][-1]["content"]


def ledger(tmp_path: Path) -> tuple[float, int]:
    return CallCache(tmp_path / "cache").spent()


def test_answered_siblings_of_a_failed_call_are_rows(tmp_path: Path) -> None:
    """Broadcast at N = 4: agent 0's call always fails, the other three are answered. The run
    fails, and its turns hold all four calls: three answered and paid, one with its error.
    The answers take 2 s and the failure is immediate, so the run fails while its siblings
    are still in flight (as with a provider error beside slow calls)."""
    with StubServer(faults=Faults(error_when=agent_zero), delay_s=2.0) as server:
        params = scripted_params(tmp_path / "cache")
        params["tasks"] = {"per_level": 1, "levels": ["L1"]}
        params["models"][0] = {**served("served", server.api_base), "timeout_s": 10.0}
        params["study"] = {"models": ["served"], "protocols": ["broadcast"], "n_agents": [4]}
        params["retry"] = {"attempts": 2, "base_delay_s": 0.0, "max_delay_s": 0.0}
        path = write_params(tmp_path / "params.yaml", params)
        generate_tasks(path, tmp_path)
        with pytest.raises(StudyIncomplete, match="1 of 1 runs failed"):
            run_protocol(path, tmp_path)
        answered = server.state.answered
    runs = read_table("runs", tmp_path / "data" / "runs.parquet")
    turns = read_table("turns", tmp_path / "data" / "turns.parquet")
    assert answered == 3
    assert list(runs["status"]) == ["failed"]
    assert "agent 0 round 0" in runs["error"].iloc[0]
    assert len(turns) == 4 and set(turns["round"]) == {0}
    paid = turns[turns["error"].isna()]
    assert sorted(paid["agent"]) == [1, 2, 3]
    assert turns.loc[turns["agent"] == 0, "error"].str.contains("failed after 2 attempt").all()
    assert paid["cost_usd"].sum() > 0
    assert runs["cost_usd"].iloc[0] == pytest.approx(paid["cost_usd"].sum())
    assert ledger(tmp_path) == (pytest.approx(paid["cost_usd"].sum()), 3)


FLAKY = Faults(rate_limit=0.1, server_error=0.15, hang=0.04, truncated=0.05, not_json=0.05,
               retry_after_s=0.01, hang_s=0.9)


def _study(tmp_path: Path, agents: str, judges: str) -> Path:
    params = scripted_params(tmp_path / "cache")
    params["tasks"] = {"per_level": 2, "levels": ["L1", "L2"]}
    params["models"] = [served("served", agents), served("served-judge", judges)]
    params["study"] = {"models": ["served"], "protocols": ["broadcast", "coordinator"],
                       "n_agents": [4]}
    params["judges"] = {"models": ["served-judge"], "samples": 2}
    params["retry"] = {"attempts": 2, "base_delay_s": 0.0, "max_delay_s": 0.01}
    return write_params(tmp_path / "params.yaml", params)


def _stage(stage: Any, path: Path, root: Path) -> None:
    """Run a stage; with faults firing it may end with failed rows (StudyIncomplete)."""
    with contextlib.suppress(StudyIncomplete):
        stage(path, root)


def _check_invariant(tmp_path: Path, answered: int) -> None:
    turns = read_table("turns", tmp_path / "data" / "turns.parquet")
    judgments = read_table("judgments", tmp_path / "data" / "judgments.parquet")
    runs = read_table("runs", tmp_path / "data" / "runs.parquet")
    spent, calls = ledger(tmp_path)
    assert calls == answered
    assert spent == pytest.approx(turns["cost_usd"].sum() + judgments["cost_usd"].sum())
    assert runs["cost_usd"].sum() == pytest.approx(turns["cost_usd"].sum())


def test_ledger_equals_the_tables_under_faults_and_after_a_rerun(tmp_path: Path) -> None:
    with StubServer(faults=FLAKY, seed=21) as agents, StubServer(faults=FLAKY, seed=22) as js:
        path = _study(tmp_path, agents.api_base, js.api_base)
        generate_tasks(path, tmp_path)
        _stage(run_protocol, path, tmp_path)
        _stage(judge, path, tmp_path)
        events = agents.state.events + js.state.events
        assert sum(events.values()) > 0 and agents.state.answered > 0
        runs = read_table("runs", tmp_path / "data" / "runs.parquet")
        assert (runs["status"] == "failed").any(), "faults must fail some run for this test"
        _check_invariant(tmp_path, agents.state.answered + js.state.answered)
        # Again, faults still on: replays and new calls, the same invariant over the new tables.
        _stage(run_protocol, path, tmp_path)
        _stage(judge, path, tmp_path)
        _check_invariant(tmp_path, agents.state.answered + js.state.answered)


def test_reservations_of_a_killed_process_are_released_when_the_cache_opens(
        tmp_path: Path) -> None:
    CallCache(tmp_path / "cache").close()
    killed = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                            capture_output=True, text=True, check=True).stdout.strip()
    db_path = tmp_path / "cache" / "calls.sqlite"
    with sqlite3.connect(db_path) as db:
        db.execute("INSERT INTO reservations (host, pid, usd, created) VALUES (?, ?, 5.0, 0)",
                   (socket.gethostname(), int(killed)))
        db.execute("INSERT INTO reservations (host, pid, usd, created) VALUES (?, ?, 1.0, 0)",
                   (socket.gethostname(), os.getppid()))
    CallCache(tmp_path / "cache").close()
    with sqlite3.connect(db_path) as db:
        left = db.execute("SELECT pid FROM reservations").fetchall()
    assert left == [(os.getppid(),)]  # a live process keeps its reservation
