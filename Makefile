# The two set-up commands: `make run` (the main job) and `make test` (the test suite).
# Each creates .venv and installs the pinned dependencies (requirements.lock) when needed.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# Data cache: ../shared/data when it sits beside the clone, else ~/.cache/gravity (files are fetched there).
SHARED := $(abspath ../shared/data)
GRAVITY_DATA_DIR ?= $(if $(wildcard $(SHARED)/PROVENANCE.md),$(SHARED),$(HOME)/.cache/gravity)
export GRAVITY_DATA_DIR
export NUMBA_CACHE_DIR ?= $(abspath .numba_cache)
export MPLBACKEND ?= Agg
# Single-threaded BLAS for run/test: faster on 2 cores (no oversubscription with numba threads and
# bootstrap workers) and the same floating-point results whatever the core count. Benchmarks unset it.
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: run test bench replicate install clean

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	@touch $@

install: $(VENV)/.installed

run: install
	$(PY) -m gravity.cli corridor models/eco_digital_corridor.toml --out results/eco

test: install
	$(PY) -m pytest -q

bench: install
	env -u OPENBLAS_NUM_THREADS $(PY) benchmarks/run_all.py

# Every replication, with the status table the README quotes.
replicate: install
	$(PY) -m gravity.cli replicate all --out results/replications --status benchmarks/results/replications.md

clean:
	rm -rf $(VENV) .numba_cache results
