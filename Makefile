PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: test bench clean

$(BIN)/pytest: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(BIN)/pytest

test: $(BIN)/pytest
	$(BIN)/python -m pytest

bench: $(BIN)/pytest
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info
