# Tandem — everything a developer or CI runs. `make demo` and `make test` install first if needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: install test lint demo bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy .

demo: install
	$(BIN)/tandem demo

bench: install
	$(BIN)/python bench/simulate.py

clean:
	rm -rf $(VENV) .tandem .pytest_cache .mypy_cache .ruff_cache
