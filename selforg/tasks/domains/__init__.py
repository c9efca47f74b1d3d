"""One module per catalogue domain; `ALL` fixes their order, which seeds depend on.

Append new domains at the end: inserting one in the middle changes which domain every seed
draws and so changes existing task sets.
"""

from __future__ import annotations

from selforg.tasks.domain import Domain
from selforg.tasks.domains import (
    cloud,
    data_ml,
    education,
    energy,
    finance,
    healthcare,
    hr,
    legal,
    marketing,
    public_policy,
    security,
    supply_chain,
)

ALL: tuple[Domain, ...] = (
    security.DOMAIN,
    cloud.DOMAIN,
    finance.DOMAIN,
    legal.DOMAIN,
    hr.DOMAIN,
    healthcare.DOMAIN,
    supply_chain.DOMAIN,
    marketing.DOMAIN,
    data_ml.DOMAIN,
    public_policy.DOMAIN,
    education.DOMAIN,
    energy.DOMAIN,
)
