"""`batched_sequential` (the reference study's proposed future work).

`sequential` with parallel batches: agents act in the fixed order 0..N-1 in batches of K
(`study.sequential_batch_size`), agents 0..K-1 first, then K..2K-1, and so on (the last batch
takes the remainder). A batch runs in parallel: its agents cannot see each other; each sees the
task and the completed outputs of every earlier batch, fitted to the context budget (the latest
in full). Free role; may abstain. N calls in ceil(N / K) waves: K = 1 is `sequential`'s
information flow, K >= N one parallel wave. The question it asks is how much of sequential's
quality survives when the chain is cut to N / K steps.
"""

from __future__ import annotations

from selforg.protocols.base import Protocol, TurnRecord
from selforg.protocols.registry import register

HEADING = "Completed work of the earlier batches (in order):"


def batches(n: int, k: int) -> list[range]:
    """Agent ids by batch: consecutive runs of k, the last one the remainder."""
    return [range(start, min(n, start + k)) for start in range(0, n, k)]


@register
class BatchedSequential(Protocol):
    name = "batched_sequential"
    source = "future work"
    summary = ("fixed order in batches of K (study.sequential_batch_size) run in parallel; "
               "each batch sees the outputs of all earlier batches")
    calls = "N"
    latency = "ceil(N / K) waves"

    @classmethod
    def expected_calls(cls, n: int) -> int:
        return n

    async def run(self) -> list[TurnRecord]:
        team = self.team
        k = team.design.sequential_batch_size
        plan = batches(team.n, k)
        done: list[TurnRecord] = []
        for index, batch in enumerate(plan):
            rules = (f"Agents work in a fixed order in batches of {k}; you are in batch "
                     f"{index + 1} of {len(plan)}, at the same time as {len(batch) - 1} other "
                     "agent(s) whose work you cannot see.")
            view = team.view(done)
            context = f"{HEADING}\n{view}" if view else ""
            done += await team.wave([team.ask(a, 0, context, instructions=rules) for a in batch])
        return done

