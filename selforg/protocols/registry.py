"""The one registry of coordination protocols.

A protocol is one module in `selforg/protocols/builtin/` defining a `Protocol` subclass decorated
with `@register`. The registry imports that folder on first use, so adding a protocol is adding
one file. Unknown names get "did you mean ...? available: ..."; duplicate names are refused.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from typing import TYPE_CHECKING, TypeVar

from selforg.errors import SelforgError

if TYPE_CHECKING:
    from selforg.protocols.base import Protocol

P = TypeVar("P", bound="type[Protocol]")

_REGISTRY: dict[str, type[Protocol]] = {}
_loaded = False


def register(cls: P) -> P:
    """Class decorator: add a protocol under its `name`; a name taken twice is an error."""
    name = cls.name
    if not name or not name.isidentifier():
        raise TypeError(f"protocol {cls.__qualname__} needs a `name` that is an identifier")
    existing = _REGISTRY.get(name)
    if existing is not None and existing is not cls:
        raise TypeError(f"protocol name {name!r} is taken by {existing.__module__}."
                        f"{existing.__qualname__}; choose another name for {cls.__qualname__}")
    _REGISTRY[name] = cls
    return cls


def _load() -> None:
    global _loaded
    if _loaded:
        return
    from selforg.protocols import builtin

    for module in pkgutil.iter_modules(builtin.__path__):
        importlib.import_module(f"{builtin.__name__}.{module.name}")
    _loaded = True


def names() -> list[str]:
    _load()
    return sorted(_REGISTRY)


def get(name: str) -> type[Protocol]:
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise SelforgError(f"unknown protocol {name!r}",
                           f"{hint}available: {', '.join(sorted(_REGISTRY))}") from None
