# Threadline: every task is one make target; each installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: demo test lint typecheck pytest install install-demo clean

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

## The main job: the NEPSE stock-price demo (DVC + MLflow) recorded and served on :5000.
demo: install-demo
	$(BIN)/threadline demo

## The whole test suite: lint, types, tests on SQLite and PostgreSQL.
test: install lint typecheck pytest

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache threadline-demo
