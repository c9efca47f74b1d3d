"""The study page's filters: one value per field ("" = any), a search text and a page number.

The same query string drives the server (filtered in SQL) and a static bundle (filtered by
the page's script), so links and bookmarks mean the same in both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlencode

# Filter fields, as run-index columns, with their labels.
FIELDS: dict[str, str] = {"protocol": "protocol", "n_agents": "N", "level": "level",
                          "model": "model", "shock": "shock", "status": "status"}
BASELINE = "none"  # the shock filter's value for runs without a shock
PER_PAGE = 50


@dataclass(frozen=True)
class Filters:
    protocol: str = ""
    n_agents: str = ""
    level: str = ""
    model: str = ""
    shock: str = ""
    status: str = ""
    search: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, query: Mapping[str, Sequence[str]]) -> Filters:
        """From parsed query parameters (urllib.parse.parse_qs); unknown keys are ignored."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            given = query.get(f.name)
            if not given:
                continue
            raw = given[0].strip()
            if f.name == "page":
                values["page"] = max(1, int(raw)) if raw.isdigit() else 1
            else:
                values[f.name] = raw
        return cls(**values)

    def active(self) -> dict[str, str]:
        """The set filter fields (search and page excluded)."""
        return {name: getattr(self, name) for name in FIELDS if getattr(self, name)}

    def query(self, **changes: Any) -> str:
        """This filter's query string (with changes), empty values left out."""
        changed = replace(self, **changes)
        pairs = [(f.name, getattr(changed, f.name)) for f in fields(changed)]
        return urlencode([(k, v) for k, v in pairs if v and not (k == "page" and v == 1)])
