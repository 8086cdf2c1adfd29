# The two commands of the README: `make run` and `make test`.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check
# This machine's pip configuration names local mirrors that may be absent; pip warns once per
# package about each. The filter drops those lines only; pipefail keeps pip's exit status.
QUIET_MIRRORS := { grep -v "^WARNING: Location" || true; }

.PHONY: run test install install-dev system-packages lint typecheck imports pytest format clean bench-jobs bench-evaluation bench-tabular bench-api bench-images bench-dedupe bench-collect bench-video bench-ui bench-generation

# torch goes in first, as the CPU build: resolved as a dependency, pip would fetch CUDA packages.
TORCH ?= torch==2.13.0

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --upgrade pip 2>&1 | $(QUIET_MIRRORS)
	$(PIP_INSTALL) "$(TORCH)" 2>&1 | $(QUIET_MIRRORS)

$(VENV)/.installed-run: pyproject.toml | $(VENV)/bin/python
	$(PIP_INSTALL) -e ".[images,video]" 2>&1 | $(QUIET_MIRRORS)
	$(BIN)/python -c "import synthfoundry.api, diffusers, imageio_ffmpeg"
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(PIP_INSTALL) -e ".[dev,postgres,s3,celery,images,video]" 2>&1 | $(QUIET_MIRRORS)
	$(BIN)/python -c "import synthfoundry.api, pytest, moto, psycopg, s3fs, diffusers, imageio_ffmpeg"
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev

system-packages:
	scripts/install-system-packages.sh

## make run: install, migrate the SQLite database under ./data, serve on 127.0.0.1:8000
run: install
	$(BIN)/synthfoundry db upgrade
	$(BIN)/synthfoundry serve --host $(HOST) --port $(PORT)

lint: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: install-dev
	$(BIN)/mypy

imports: install-dev
	$(BIN)/lint-imports

pytest: install-dev system-packages
	SYNTHFOUNDRY_TEST_REQUIRE_POSTGRES=1 SYNTHFOUNDRY_TEST_REQUIRE_BROWSER=1 \
	SYNTHFOUNDRY_TEST_FAST_EXIT=1 $(BIN)/pytest --hypothesis-profile=gate

## make test: lint, type-check, import contracts, then the tests on SQLite and PostgreSQL
test: lint typecheck imports pytest

## benchmarks (not part of make test): print a table, write benchmarks/results/*.json
bench-jobs: install-dev system-packages
	$(BIN)/python -m benchmarks.jobs

bench-evaluation: install-dev
	$(BIN)/python -m benchmarks.evaluation

format: install-dev
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

bench-tabular: install-dev
	$(BIN)/python -m benchmarks.tabular

bench-api: install-dev system-packages
	$(BIN)/python -m benchmarks.api

bench-images: install-dev
	$(BIN)/python -m benchmarks.images

# scikit-image (sample images) and imagehash (the comparison) are benchmark-only dependencies.
bench-dedupe: install-dev
	$(PIP_INSTALL) scikit-image imagehash 2>&1 | $(QUIET_MIRRORS)
	$(BIN)/python -m benchmarks.dedupe

bench-collect: install-dev
	$(BIN)/python -m benchmarks.collect

bench-video: install-dev system-packages
	$(BIN)/python -m benchmarks.video

bench-ui: install-dev system-packages
	$(BIN)/python -m benchmarks.ui

bench-generation: install-dev
	OMP_NUM_THREADS=1 $(BIN)/python -m benchmarks.generation
