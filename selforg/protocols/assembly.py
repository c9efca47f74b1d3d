"""Final-answer assembly: one protocol-independent step from contributions to deliverable.

`concat` joins the non-abstaining contributions under their roles; `synthesize` makes one more
call to the same model with those contributions (fitted to the context budget) and asks for a
single coherent deliverable. Whichever is chosen is recorded on every run and applies to every
protocol in a comparison, so differences between protocols are not differences in assembly.
"""

from __future__ import annotations

from collections.abc import Sequence

from selforg.protocols.base import RunFailed, Team, TurnRecord
from selforg.protocols.turn import ParsedTurn
from selforg.protocols.view import ViewItem

ASSEMBLER = -1
SYNTH_SYSTEM = (
    "You write the final deliverable for an organisation. Combine the contributions below into "
    "one coherent, complete answer to the task: keep what is correct and useful, resolve "
    "contradictions, drop repetition. Reply with the deliverable only, as plain text."
)


def kept(contributing: Sequence[TurnRecord]) -> list[TurnRecord]:
    """Contributions that enter the deliverable: abstentions and empty turns add nothing."""
    return [t for t in contributing if not t.parsed.abstain and t.parsed.contribution.strip()]


def concat(contributing: Sequence[TurnRecord]) -> str:
    return "\n\n".join(f"## {t.parsed.role or 'Contribution'}\n{t.parsed.contribution.strip()}"
                       for t in kept(contributing))


async def assemble(team: Team, contributing: Sequence[TurnRecord], method: str) -> str:
    """The run's final answer; `synthesize` records its call as a turn of agent -1."""
    pieces = kept(contributing)
    if method == "concat" or not pieces:
        return concat(pieces)
    items = [ViewItem(t.agent, t.parsed.role, t.parsed.contribution) for t in pieces]
    view = team.context_budget.fit_view(items)
    messages = [
        {"role": "system", "content": SYNTH_SYSTEM},
        {"role": "user", "content": f"TASK:\n{team.task_prompt}\n\nCONTRIBUTIONS:\n{view}"},
    ]
    round_ = max((t.round for t in team.turns), default=-1) + 1
    result = await team.call(ASSEMBLER, round_, messages, json_schema=None,
                             max_tokens=team.design.assembly_max_tokens)
    text = (result.text or "").strip()
    parsed = ParsedTurn(role="assembly", abstain=False, follows=None, contribution=text,
                        ok=result.error is None)
    team.record(TurnRecord(team.run_id, ASSEMBLER, round_, parsed, result,
                           team.design.context_budget_tokens))
    team.critical_path_s += result.latency_s
    if result.error is not None:
        raise RunFailed(f"assembly: {result.error}")
    return text
