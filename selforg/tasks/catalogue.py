"""The domain catalogue: every domain tasks are generated over, looked up by name.

The catalogue also checks what must hold across domains: names, stakeholder roles and option
names are unique, so a multi-domain task never lists the same party or option twice.
"""

from __future__ import annotations

from selforg.errors import SelforgError
from selforg.tasks.domain import Domain
from selforg.tasks.domains import ALL


def _check_unique(label: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"catalogue: {label} {value!r} appears in more than one domain")
        seen.add(value)


_check_unique("domain", [d.name for d in ALL])
_check_unique("stakeholder role", [s.role for d in ALL for s in d.stakeholders])
_check_unique("option", [o.name for d in ALL for o in d.options])
_check_unique("activity", [a for d in ALL for a in d.activities])

CATALOGUE: dict[str, Domain] = {d.name: d for d in ALL}
DOMAINS: tuple[str, ...] = tuple(CATALOGUE)


def get_domain(name: str) -> Domain:
    """The domain called `name`; an unknown name is a user error listing the known ones."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise SelforgError(
            f"unknown task domain {name!r}",
            f"use one of: {', '.join(DOMAINS)}",
        ) from None
