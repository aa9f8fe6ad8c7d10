# Threadline: every task is one make target; each installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: demo test lint typecheck pytest install install-demo ui browser bench chaos clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall when the dependency list changes.
$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[demo]"
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[all,test]"
	touch $@ $(VENV)/.installed-demo

install-demo: $(VENV)/.installed-demo
install: $(VENV)/.installed-test

## The web UI (TypeScript, Vite): npm ci when the lock file changes, a build when a source does.
UI_OUT := src/threadline/web/static/ui
UI_SOURCES := $(shell find ui/src -type f 2>/dev/null) ui/index.html ui/tsconfig.json ui/vite.config.ts

ui/node_modules/.installed: ui/package.json ui/package-lock.json
	@command -v npm >/dev/null || { echo "Building the web UI needs Node.js 20.19+ with npm" >&2; exit 1; }
	cd ui && npm ci --no-audit --no-fund
	touch $@

$(UI_OUT)/.built: ui/node_modules/.installed $(UI_SOURCES)
	cd ui && npm run build
	touch $@

ui: $(UI_OUT)/.built

## Debian's Chromium for the browser tests (never a downloaded browser): apt-get, as root or via sudo.
browser:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=sudo; \
	else echo "The browser tests need Chromium: run 'apt-get install chromium' as root" >&2; exit 1; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium

## The main job: the NEPSE stock-price demo (DVC + MLflow) recorded and served on :5000.
demo: install-demo ui
	$(BIN)/threadline demo

## The whole test suite: lint, types, tests on SQLite and PostgreSQL.
test: install ui browser lint typecheck pytest

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: install
	$(BIN)/mypy

pytest: install ui browser
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

## Every benchmark of issue 5, one table of same-run ratios (full sizes: minutes; see README).
bench: install
	$(BIN)/python benchmarks/bench_all.py $(BENCH_ARGS)

## Reliability (issue 6) at a larger size than CI's: SIGKILL under load, servers sharing one
## database, overload, hostile input, the SDK spool. CHAOS_SCALE multiplies the CI size.
CHAOS_SCALE ?= 5
chaos: install
	THREADLINE_CHAOS_SCALE=$(CHAOS_SCALE) $(BIN)/pytest $(PYTEST_ARGS) tests/chaos \
		tests/openlineage/test_parser_fuzz.py tests/sdk/test_spool.py tests/store/test_log_head.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache threadline-demo $(UI_OUT) ui/node_modules
