"""The budget guard: a call that could cross max_usd or max_calls is refused before it is made.

Before each real (non-cached) call the gateway reserves the call's worst case: the prompt at
one token per character (no tokenizer packs more) and the full max_tokens of completion, at the
model's prices. The call goes ahead only if spent + reserved + worst case stays within the cap,
so the cap holds even with many calls in flight. A call that fits the cap but not beside the
calls in flight waits for them to settle; a call that could not fit even then is refused.
A paid call's ledger line replaces its reservation in the cache's write transaction, so a paid
call is never missing from both nor counted in both; a call that paid nothing releases its
reservation.

Spent and reserved live in the cache's SQLite file, not in this process: the ledger of every
call ever paid through the cache directory, and a `reservations` table of calls in flight, read
and written inside one `BEGIN IMMEDIATE` transaction per call. So the cap holds across
processes sharing the cache (Dask workers, two stages at once, a re-run after a kill). A
process killed mid-call leaves its reservation behind; once its pid is gone on this host, it
is dropped when the next process opens the cache (and again whenever a call would not fit).
Reservations of processes on other hosts sharing the file stay until their process settles
them, which only ever errs on the side of refusing a call.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from dataclasses import dataclass

from selforg.config import BudgetConfig
from selforg.errors import BudgetExceeded
from selforg.llm.cache import RELEASE_RESERVATION, CallCache, drop_dead_reservations

# The reservations in flight, as two scalar subqueries (USD, calls).
_RESERVED = ("(SELECT COALESCE(SUM(usd), 0) FROM reservations), "
             "(SELECT COUNT(*) FROM reservations)")

WAIT_S = 0.02


@dataclass
class Reservation:
    usd: float
    id: int


class Budget:
    def __init__(self, limits: BudgetConfig, cache: CallCache) -> None:
        self.limits = limits
        # The cache's own connection and lock (see CallCache): a second connection would make
        # both re-read the file's pages after every write of the other.
        self._db = cache.db
        self._lock = cache.lock
        self._host = socket.gethostname()
        self._pid = os.getpid()
        self._ledger_seen = 0
        self.spent_usd = 0.0
        self.calls = 0
        with self._lock:
            self._totals()

    def _totals(self) -> tuple[float, int]:
        """Add the ledger lines written since the last read (by any process) to the spent
        totals and return the reservations in flight (USD, calls): one query, because it runs
        inside every reservation's write transaction."""
        usd, calls, last, reserved_usd, reserved_calls = self._db.execute(
            f"SELECT COALESCE(SUM(cost_usd), 0), COUNT(*), MAX(id), {_RESERVED} "
            "FROM ledger WHERE id > ?",
            (self._ledger_seen,)).fetchone()
        self.spent_usd += float(usd)
        self.calls += int(calls)
        if last is not None:
            self._ledger_seen = int(last)
        return float(reserved_usd), int(reserved_calls)

    def _reserved(self) -> tuple[float, int]:
        usd, calls = self._db.execute(f"SELECT {_RESERVED}").fetchone()
        return float(usd), int(calls)

    def _refusal(self, worst_case_usd: float, model: str, reserved_usd: float = 0.0,
                 reserved_calls: int = 0) -> BudgetExceeded | None:
        usd_after = self.spent_usd + reserved_usd + worst_case_usd
        calls_after = self.calls + reserved_calls + 1
        if usd_after > self.limits.max_usd:
            return BudgetExceeded(
                f"the next call to {model} could cost up to ${worst_case_usd:.4f}, which would "
                f"take spending to ${usd_after:.4f}, over budget.max_usd = "
                f"${self.limits.max_usd:.4f} (already spent ${self.spent_usd:.4f})",
                "raise budget.max_usd in params.yaml and re-run: finished calls are cached "
                "and will not be paid again")
        if calls_after > self.limits.max_calls:
            return BudgetExceeded(
                f"the next call would be call {calls_after}, over budget.max_calls = "
                f"{self.limits.max_calls}",
                "raise budget.max_calls in params.yaml and re-run: finished calls are cached "
                "and will not be paid again")
        return None

    async def reserve(self, worst_case_usd: float, model: str) -> Reservation:
        """Reserve a call's worst case against the shared totals, waiting while calls in flight
        hold the room it needs; raise BudgetExceeded when it could not fit even without them."""
        while True:
            reservation = self._try_reserve(worst_case_usd, model)
            if reservation is not None:
                return reservation
            await asyncio.sleep(WAIT_S)

    def _try_reserve(self, worst_case_usd: float, model: str) -> Reservation | None:
        """One attempt, in one transaction: a reservation, None (wait), or BudgetExceeded."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                reserved = self._totals()
                refusal = self._refusal(worst_case_usd, model)
                if refusal is not None:
                    raise refusal
                if self._refusal(worst_case_usd, model, *reserved) is not None:
                    drop_dead_reservations(self._db, self._host, self._pid)
                    if self._refusal(worst_case_usd, model, *self._reserved()) is not None:
                        self._db.execute("ROLLBACK")
                        return None
                cursor = self._db.execute(
                    "INSERT INTO reservations (host, pid, usd, created) VALUES (?, ?, ?, ?)",
                    (self._host, self._pid, worst_case_usd, time.time()))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return Reservation(worst_case_usd, int(cursor.lastrowid or 0))

    def release(self, reservation: Reservation) -> None:
        """Drop the reservation of a call that paid nothing (it failed, or was cancelled). A
        paid call's reservation is dropped by the cache write that records it
        (`CallCache.put(..., release=reservation.id)`)."""
        with self._lock:
            self._db.execute(RELEASE_RESERVATION, (reservation.id,))
