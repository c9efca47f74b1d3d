"""The priority-shift shock's announcement, and the task as updated by it.

The reference study's fourth shock announces, mid-run, a change of priorities or a new
constraint. Here the change comes from the task's own domains (the catalogue's material), so
it is plausible for the task and varies across tasks:

- `constraint`: one of the domains' constraints that the task does not already state, e.g.
  "A new constraint applies from now on: customer data must stay in EU regions. ...";
- `priority`: one of the domains' stakeholders now has the final say, e.g. "... the Head of
  FinOps now has the final say, and the Head of FinOps wants the cloud bill cut by a
  quarter. ...";
- `either`: one of the two, drawn per task.

A task that already states every constraint of its domains gets a change of priorities.

The draw is seeded from the task id and the shock's name only, so every protocol, model, N
and replicate meets the same change on a task: comparisons of resilience across protocols
are not confounded by different announcements. A task whose domains are not in the catalogue
(a hand-written task) draws from the whole catalogue.

`updated_task` is the one text of the task after the announcement: agents asked after the
shock read it as their task, and the judges score the shocked run against it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Literal

from selforg.seeds import stable_seed
from selforg.tasks.catalogue import CATALOGUE

Kind = Literal["either", "constraint", "priority"]

UPDATE_HEADING = ("UPDATE TO THE TASK, announced after the work began (it takes precedence "
                  "where it conflicts with the above):")
CONSTRAINT = ("A new constraint applies from now on: {constraint}. The deliverable must "
              "comply with it, even where that changes earlier decisions.")
PRIORITY = ("The organisation's leadership has changed its priorities: the {role} now has the "
            "final say, and the {role} {goal}. Where this conflicts with other goals of the "
            "task, it takes precedence.")


def announcement(task_id: str, prompt: str, domains: Sequence[str], shock: str,
                 kind: Kind) -> str:
    """The change announced to the task `task_id` under the shock named `shock`."""
    rng = random.Random(stable_seed("priority_shift", task_id, shock))
    pool = [CATALOGUE[name] for name in domains if name in CATALOGUE] or list(CATALOGUE.values())
    chosen = rng.choice(["constraint", "priority"]) if kind == "either" else kind
    if chosen == "constraint":
        stated = prompt.lower()
        options = [c for d in pool for c in d.constraints if c.lower() not in stated]
        if options:
            return CONSTRAINT.format(constraint=rng.choice(options))
    party = rng.choice([s for d in pool for s in d.stakeholders])
    return PRIORITY.format(role=party.role, goal=party.goal)


def updated_task(prompt: str, announced: str | None) -> str:
    """The task text once `announced` is known (the prompt itself when nothing was)."""
    if not announced:
        return prompt
    return f"{prompt}\n\n{UPDATE_HEADING}\n{announced}"
