"""Decide whether a final answer is right, from a verifiable task's JSON reference.

The checker reads what the answer actually states (selforg.tasks.reading and the three
check_* modules): the final stated value, not the first or last number in the text. Its
verdict has three values:

- correct: the stated total, selection or order is right;
- wrong: it is not, or the answer states two different final values (a hedge), or states
  none (empty, a refusal, no number at all);
- undecidable: the answer says something the rules cannot pin down (numbers but no marked
  answer and no statement of a total; options or activities named but no selection or order
  that can be read). Undecidable answers are left out of the judge-vs-truth statistics and
  counted in the report, rather than guessed.

Every verdict carries a reason naming what was read ("states $554,969.35; the truth is
$554,969.35"), stored beside `verified_correct` in the judgments table.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from selforg.tasks.check_allocation import check_allocation
from selforg.tasks.check_cost import check_cost
from selforg.tasks.check_schedule import check_schedule
from selforg.tasks.problems import KINDS
from selforg.tasks.verdict import Verdict, bad_reference

_CHECKERS: dict[str, Callable[[dict[str, object], str], Verdict]] = {
    "cost": check_cost,
    "allocation": check_allocation,
    "schedule": check_schedule,
}


def check_answer(reference: str, answer: str | None) -> Verdict:
    """The verdict on `answer` against `reference` (`Task.reference`, JSON with a "kind").

    A missing or blank answer is wrong. A reference that is not such JSON raises SelforgError
    (a corrupt tasks table, not a wrong answer).
    """
    try:
        parsed = json.loads(reference)
    except (TypeError, ValueError):
        raise bad_reference("it is not JSON text") from None
    if not isinstance(parsed, dict) or parsed.get("kind") not in _CHECKERS:
        raise bad_reference(f"its 'kind' must be one of {', '.join(KINDS)}")
    return _CHECKERS[parsed["kind"]](parsed, answer or "")
