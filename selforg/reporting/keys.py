"""The key grammar of reports/metrics.json, shared by its writer and `selforg diff`.

    <head>.<subject>[@<model>/n<N>]

The 95% CI of `<head>.<rest>` is `<head>_ci_low.<rest>` and `<head>_ci_high.<rest>`; its n,
where given, `<head>_n.<rest>`. One rule for every key, so no list of keys with intervals is
kept anywhere.
"""

from __future__ import annotations

CI_LOW, CI_HIGH, N = "_ci_low", "_ci_high", "_n"


def ci_keys(key: str) -> tuple[str, str]:
    """The keys of the CI bounds of `key`."""
    head, _, rest = key.partition(".")
    return f"{head}{CI_LOW}.{rest}", f"{head}{CI_HIGH}.{rest}"


def n_key(key: str) -> str:
    """The key of the n of `key`."""
    head, _, rest = key.partition(".")
    return f"{head}{N}.{rest}"


def is_bound(key: str) -> bool:
    """True for a CI bound key (shown with its estimate, not on its own)."""
    head = key.partition(".")[0]
    return head.endswith((CI_LOW, CI_HIGH))
