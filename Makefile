# Bureau: `make run` starts everything on this machine; `make test` checks it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-slow lint bench bench-ingest clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/bureau run

lint: $(STAMP)
	$(BIN)/ruff check bureau shared services tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

test-slow: $(STAMP)
	$(BIN)/pytest -m slow

bench: bench-ingest

bench-ingest: $(STAMP)
	$(BIN)/python -m bench.ingest

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
