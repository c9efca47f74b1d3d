"""Role-name normalisation, shared by the protocols (role_norm column) and the role metrics.

Agents invent free-text roles ("Security Analysts", "security-analyst ", "SECURITY ANALYST").
docs/study.md section 6 counts unique roles raw and after normalising case, punctuation, whitespace
and plurals; this module is the one definition of that normalisation.
"""

from __future__ import annotations

import re

_NON_WORD = re.compile(r"[^a-z0-9]+")
_IDLE_NAMES = {"", "none", "idle", "abstain", "abstained", "n a", "na", "null"}


def singular(word: str) -> str:
    """English plural to singular for role nouns: analysts -> analyst, strategies -> strategy."""
    if len(word) <= 3 or word.endswith("ss") or word.endswith("us") or word.endswith("is"):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def normalise_role(raw: str | None) -> str:
    """Lower-case, strip punctuation, fold whitespace, singularise each word.

    Returns "" for empty or idle-like names, so abstaining agents do not count as a role.
    """
    if raw is None:
        return ""
    words = _NON_WORD.sub(" ", raw.lower()).split()
    text = " ".join(singular(w) for w in words)
    return "" if text in _IDLE_NAMES else text
