# The two set-up commands: `make run` (the main job) and `make test` (the test suite).
# Each creates .venv and installs the pinned dependencies (requirements.lock) when needed.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# Data: the package chooses the folder by one rule, the same for make, the CLI, notebooks and scripts
# (GRAVITY_DATA_DIR, else [data] dir in gravity.toml, else ../shared/data beside the project, else
# ~/.cache/gravity); `.venv/bin/gravity data` shows which applied. A GRAVITY_DATA_DIR you set passes through.
# Compiled numba kernels: the package chooses the folder by one rule too (gravity/_numba_cache.py:
# NUMBA_CACHE_DIR if set, else this clone's .numba_cache), so `make install` warms the folder that scripts,
# the CLI and notebooks read.
export MPLBACKEND ?= Agg
# Single-threaded BLAS for run/test: faster on 2 cores (no oversubscription with numba threads and
# bootstrap workers) and the same floating-point results whatever the core count. Benchmarks unset it.
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: run test bench replicate install lab clean wheel-check

# setuptools' "Editable installation ... folders in your working directory with the same name as your
# package" notice is silenced here; the README says how to avoid importing the folder instead.
$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	PYTHONWARNINGS="ignore:Editable installation" $(PY) -m pip install -q --no-deps -e .
	@touch $@

# Compile every numba kernel once on tiny inputs so that the first real run loads machine code from the
# package's kernel cache instead of compiling (benchmarks/results/newcomer.md: README snippets as files).
.numba_cache/.warm: $(VENV)/.installed gravity/_warmup.py $(wildcard gravity/*/_kernels.py gravity/*/_*_kernels.py)
	$(PY) -m gravity._warmup
	@touch $@

install: $(VENV)/.installed .numba_cache/.warm

# JupyterLab on the notebooks (jupytext .py files: right-click > Open With > Jupytext Notebook), from
# requirements.lock plus the pinned requirements-lab.lock, installed on first use.
$(VENV)/.lab-installed: $(VENV)/.installed requirements-lab.lock
	$(PY) -m pip install -q -c requirements.lock -r requirements-lab.lock
	@touch $@

# Jupyter refuses to start as root unless told (containers and these machines run as root).
lab: install $(VENV)/.lab-installed
	$(VENV)/bin/jupyter lab $$([ "$$(id -u)" = 0 ] && echo --allow-root) notebooks/

run: install
	$(PY) -m gravity.cli corridor models/eco_digital_corridor.toml --out results/eco

# Lint (ruff), types (mypy) and the layer contracts (import-linter) before the tests; each is configured in
# pyproject.toml and pinned in requirements.lock.
test: install
	$(VENV)/bin/ruff check gravity
	$(VENV)/bin/ruff format --check gravity
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q

# `pip install .` without -e: build the wheel from a copy of the sources, install it with the locked
# dependencies into a fresh venv in a temporary directory, and run a replication from outside the clone
# (the facts and the replication recipes must ship inside the wheel). CI runs it after `make test`.
wheel-check: install
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	mkdir "$$tmp/src"; cp -r pyproject.toml README.md gravity "$$tmp/src/"; \
	find "$$tmp/src" -name __pycache__ -prune -exec rm -rf {} +; \
	$(PY) -m pip wheel -q --no-deps -w "$$tmp/dist" "$$tmp/src"; \
	$(PY) -c 'import pathlib, sys, zipfile; names = set(zipfile.ZipFile(sys.argv[1]).namelist()); \
	  want = [str(p) for g in ("gravity/data/facts/*", "gravity/jobs/replicate/recipes/*.toml") for p in sorted(pathlib.Path().glob(g))]; \
	  miss = [w for w in want if w not in names]; print(f"wheel: {len(want) - len(miss)} of {len(want)} package-data files"); \
	  sys.exit(f"missing from the wheel: {miss}" if miss or not want else 0)' "$$tmp"/dist/*.whl; \
	$(PY) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install -q -r requirements.lock "$$tmp"/dist/*.whl; \
	cd "$$tmp"; \
	"$$tmp/venv/bin/python" -c 'import gravity, sys; sys.exit(not gravity.__file__.startswith(sys.prefix))' \
	  || { echo "gravity was not imported from the installed wheel"; exit 1; }; \
	NUMBA_CACHE_DIR="$$tmp/numba" $(if $(wildcard $(abspath ../shared/data)/PROVENANCE.md),GRAVITY_DATA_DIR="$${GRAVITY_DATA_DIR:-$(abspath ../shared/data)}",) \
	  "$$tmp/venv/bin/gravity" replicate ppmlhdfe-separation --out "$$tmp/out"

bench: install
	env -u OPENBLAS_NUM_THREADS $(PY) benchmarks/run_all.py

# Every replication, with the status table the README quotes.
replicate: install
	$(PY) -m gravity.cli replicate all --out results/replications --status benchmarks/results/replications.md

clean:
	rm -rf $(VENV) .numba_cache results
