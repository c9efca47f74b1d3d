"""The budget guard: a call that could cross max_usd or max_calls is refused before it is made.

Before each real (non-cached) call the gateway reserves the call's worst case: the prompt at
one token per character (no tokenizer packs more) and the full max_tokens of completion, at the
model's prices. The call goes ahead only if spent + reserved + worst case stays within the cap,
so the cap holds even with many calls in flight. After the call the reservation is replaced by
the real cost. Spend already in the cache's ledger (earlier, killed or finished runs using the
same cache directory) counts against the cap.
"""

from __future__ import annotations

from dataclasses import dataclass

from selforg.config import BudgetConfig
from selforg.errors import BudgetExceeded
from selforg.llm.cache import CallCache


@dataclass
class Reservation:
    usd: float


class Budget:
    def __init__(self, limits: BudgetConfig, cache: CallCache) -> None:
        self.limits = limits
        self.spent_usd, self.calls = cache.spent()
        self.reserved_usd = 0.0
        self.reserved_calls = 0

    def reserve(self, worst_case_usd: float, model: str) -> Reservation:
        usd_after = self.spent_usd + self.reserved_usd + worst_case_usd
        calls_after = self.calls + self.reserved_calls + 1
        if usd_after > self.limits.max_usd:
            raise BudgetExceeded(
                f"the next call to {model} could cost up to ${worst_case_usd:.4f}, which would "
                f"take spending to ${usd_after:.4f}, over budget.max_usd = "
                f"${self.limits.max_usd:.4f} (already spent ${self.spent_usd:.4f})",
                "raise budget.max_usd in params.yaml and re-run: finished calls are cached "
                "and will not be paid again")
        if calls_after > self.limits.max_calls:
            raise BudgetExceeded(
                f"the next call would be call {calls_after}, over budget.max_calls = "
                f"{self.limits.max_calls}",
                "raise budget.max_calls in params.yaml and re-run: finished calls are cached "
                "and will not be paid again")
        self.reserved_usd += worst_case_usd
        self.reserved_calls += 1
        return Reservation(worst_case_usd)

    def settle(self, reservation: Reservation, actual_usd: float | None) -> None:
        """Replace a reservation by the real cost; None means the call was not paid."""
        self.reserved_usd -= reservation.usd
        self.reserved_calls -= 1
        if actual_usd is not None:
            self.spent_usd += actual_usd
            self.calls += 1
