"""Content-addressed, persistent cache of model calls, plus the ledger of real spend.

One SQLite file (WAL mode) under the cache directory. A call's key is the SHA-256 of what can
change its answer: model string, api_base, messages, decoding parameters, response schema, seed
and the replicate index (so replicates stay independent samples). Timeouts and concurrency are
left out. Each write is one transaction, so a process killed with SIGKILL leaves either the
whole entry or none, and concurrent writers (several processes, Dask workers on one host)
serialise on SQLite's lock. Failed calls are never cached: a re-run retries them.

The `structured_output` table remembers, per model string and api_base, the structured-output
mode the gateway settled on and why (selforg.llm.structured), so a resumed run neither probes
the server again nor changes the requests, hence the keys, of its calls.

The ledger records every call actually paid for; the budget guard sums it and keeps its
reservations of calls in flight in the same file (the `reservations` table, defined here with
the others), so a cap holds across killed and resumed runs. The cache stores answers and
usage only: no API keys, no headers (the key hash cannot be reversed into a request either).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    text TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    latency_s REAL NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    model TEXT NOT NULL,
    cost_usd REAL NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS reservations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    usd REAL NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS structured_output (
    model TEXT NOT NULL,
    api_base TEXT NOT NULL,
    mode TEXT NOT NULL,
    reason TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (model, api_base)
);
"""
# Drops one budget reservation (selforg.llm.budget): by the budget for a call that paid
# nothing, and inside `put` for a paid call, whose ledger line replaces it.
RELEASE_RESERVATION = "DELETE FROM reservations WHERE id = ?"


def alive(pid: int) -> bool:
    """Whether a process of this host with this pid exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def drop_dead_reservations(db: sqlite3.Connection, host: str, own_pid: int) -> None:
    """Forget the reservations of processes on this host that no longer exist (a killed run
    leaves its calls in flight behind). The caller holds the connection's lock."""
    pids = [p for (p,) in db.execute(
        "SELECT DISTINCT pid FROM reservations WHERE host = ? AND pid != ?", (host, own_pid))]
    dead = [(host, p) for p in pids if not alive(p)]
    if dead:
        db.executemany("DELETE FROM reservations WHERE host = ? AND pid = ?", dead)


def read_modes(directory: str | Path) -> dict[tuple[str, str], tuple[str, str]]:
    """The remembered structured-output modes of a cache directory, read without creating or
    changing anything (for `selforg plan`); empty when there is no cache yet."""
    path = Path(directory) / "calls.sqlite"
    if not path.is_file():
        return {}
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            rows = db.execute("SELECT model, api_base, mode, reason FROM structured_output")
            return {(m, b): (mode, why) for m, b, mode, why in rows}
    except sqlite3.Error:
        return {}


def call_key(request: dict[str, Any]) -> str:
    """Stable key of a request dict (sorted-key JSON, so dict order never matters)."""
    blob = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class CachedCall:
    text: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    latency_s: float


class CallCache:
    """The persistent cache; one instance per process, safe to share between threads.

    `db` and `lock` are shared with the budget guard (selforg.llm.budget), whose reservations
    live in the same file: one connection per process, because SQLite drops a connection's page
    cache whenever another connection has written to the file, and with a second connection
    writing on every call both re-read their pages each time (about 1 ms per call).
    """

    def __init__(self, directory: str | Path) -> None:
        self.path = Path(directory) / "calls.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.db = sqlite3.connect(self.path, timeout=60, check_same_thread=False,
                                   isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        with self.lock:
            drop_dead_reservations(self.db, socket.gethostname(), os.getpid())

    def get(self, key: str) -> CachedCall | None:
        with self.lock:
            row = self.db.execute(
                "SELECT text, prompt_tokens, completion_tokens, cost_usd, latency_s "
                "FROM calls WHERE key = ?", (key,)).fetchone()
        return CachedCall(*row) if row else None

    def put(self, key: str, model: str, call: CachedCall, release: int | None = None) -> None:
        """Store a paid call and its ledger line in one transaction, which also drops the
        budget reservation `release` (selforg.llm.budget): the ledger line replaces the
        reservation atomically, so a kill between the two can neither lose the paid call from
        the budget nor count it twice, and the call costs one write transaction, not two."""
        now = time.time()
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                self.db.execute(
                    "INSERT OR REPLACE INTO calls VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (key, model, call.text, call.prompt_tokens, call.completion_tokens,
                     call.cost_usd, call.latency_s, now))
                self.db.execute(
                    "INSERT INTO ledger (key, model, cost_usd, created) VALUES (?, ?, ?, ?)",
                    (key, model, call.cost_usd, now))
                if release is not None:
                    self.db.execute(RELEASE_RESERVATION, (release,))
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    def modes(self) -> dict[tuple[str, str], tuple[str, str]]:
        """(model, api_base or "") -> (structured-output mode, why), as remembered."""
        with self.lock:
            rows = self.db.execute("SELECT model, api_base, mode, reason FROM structured_output")
            return {(m, b): (mode, why) for m, b, mode, why in rows}

    def set_mode(self, model: str, api_base: str, mode: str, reason: str) -> None:
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO structured_output VALUES (?, ?, ?, ?, ?)",
                            (model, api_base, mode, reason, time.time()))

    def forget_modes(self) -> None:
        """Drop every remembered mode, so the next calls probe their servers again."""
        with self.lock:
            self.db.execute("DELETE FROM structured_output")

    def spent(self) -> tuple[float, int]:
        """Total USD and number of calls ever paid for through this cache directory."""
        with self.lock:
            usd, calls = self.db.execute(
                "SELECT COALESCE(SUM(cost_usd), 0), COUNT(*) FROM ledger").fetchone()
        return float(usd), int(calls)

    def close(self) -> None:
        with self.lock:
            self.db.close()
