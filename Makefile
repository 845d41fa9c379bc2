# Bureau: `make run` starts everything on this machine; `make test` checks it.
# Both create .venv on first use and install the pinned dependencies (requirements*.lock).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP     := $(VENV)/.installed-dev

.PHONY: run test test-slow test-backends lint bench bench-ingest bench-search bench-imap bench-automation bench-keywords clean

$(RUNTIME_STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(DEV_STAMP): $(RUNTIME_STAMP) requirements-dev.lock
	$(BIN)/python -m pip install --quiet -r requirements.lock -r requirements-dev.lock
	touch $@

run: $(RUNTIME_STAMP)
	$(BIN)/bureau run

lint: $(DEV_STAMP)
	$(BIN)/ruff check bureau shared services tests bench
	$(BIN)/mypy

# Two pytest workers (pytest-xdist): the suite spends much of its time waiting on
# nats-server, sockets and child processes. TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 2

test: lint
	$(BIN)/pytest -n $(TEST_WORKERS)

test-slow: $(DEV_STAMP)
	$(BIN)/pytest -m slow

# The MongoDB and OpenSearch adapter suites (every test marked `backends`: those using a
# server of tests/remote.py), as .github/workflows/backends.yml runs them. Set
# BUREAU_MONGODB_URI (a replica set) and BUREAU_OPENSEARCH_URL: a set variable whose
# server does not answer fails them; unset (and no Docker engine), they skip.
test-backends: $(DEV_STAMP)
	$(BIN)/pytest -n $(TEST_WORKERS) -m backends

bench: bench-ingest

bench-ingest: $(RUNTIME_STAMP)
	$(BIN)/python -m bench.ingest $(BENCH_ARGS)

# Filters and a vacation reply against an account without automation, in one run.
bench-automation: $(RUNTIME_STAMP)
	$(BIN)/python -m bench.automation $(BENCH_ARGS)

# Dovecot, the baseline of the IMAP benchmark, comes from Debian (dovecot-imapd).
bench-imap: $(RUNTIME_STAMP)
	$(BIN)/python -m bench.imap $(BENCH_ARGS)

# One bulk STORE of keywords on the running platform, against Dovecot given the same one.
bench-keywords: $(RUNTIME_STAMP)
	$(BIN)/python -m bench.keywords $(BENCH_ARGS)

# tantivy, the baseline of the search benchmark, comes with the development tools.
bench-search: $(DEV_STAMP)
	$(BIN)/python -m bench.search $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
