PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_ARGS ?=

.PHONY: test demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(BIN)/pytest: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(BIN)/pytest

$(VENV)/demo-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[vision,demo]'
	touch $(VENV)/demo-installed

test: $(BIN)/pytest
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest

demo: $(VENV)/demo-installed
	$(BIN)/ember demo $(DEMO_ARGS)

bench: $(BIN)/pytest
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info ember-demo
