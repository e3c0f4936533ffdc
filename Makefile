# Tandem — everything a developer or CI runs. `make demo` and `make test` install first if needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: install browser test lint demo bench clean

install: $(VENV)/.installed browser

# The browser tests drive Debian's chromium (Playwright never downloads one here). Installed when
# apt-get can; elsewhere those tests say how to get it and are skipped.
browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: no /usr/bin/chromium (apt-get install chromium): browser tests will be skipped"; fi; }

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
	$(BIN)/python -m bench.matching
	$(BIN)/python -m bench.projections
	$(BIN)/python -m bench.simulate
	$(BIN)/python -m bench.time_skipping
	$(BIN)/python -m bench.web

clean:
	rm -rf $(VENV) .tandem .pytest_cache .mypy_cache .ruff_cache
