# Tandem — everything a developer or CI runs. `make demo` and `make test` install first if needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: install lock bench-peers browser sso-peer bytecode catalogues extract test lint demo bench clean

install: $(VENV)/.installed browser sso-peer bytecode catalogues

# The browser tests drive Debian's chromium (Playwright never downloads one here). Installed when
# apt-get can; elsewhere those tests say how to get it and are skipped.
browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: no /usr/bin/chromium (apt-get install chromium): browser tests will be skipped"; fi; }

# The single sign-on tests sign in at a real OpenID provider, the npm package oidc-provider, pinned
# by tests/oidc/package-lock.json and installed under .tandem/ (tests write nowhere else). Without
# node those tests say how to get it and are skipped.
SSO_PEER := .tandem/oidc-provider
sso-peer:
	@if { ! command -v npm >/dev/null || ! command -v node >/dev/null; } \
	    && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	fi
	@if ! command -v npm >/dev/null || ! command -v node >/dev/null; then \
	  echo "note: no node/npm (apt-get install nodejs npm): single sign-on tests will be skipped"; \
	elif ! cmp -s tests/oidc/package-lock.json $(SSO_PEER)/installed-package-lock.json; then \
	  mkdir -p $(SSO_PEER) && rm -f $(SSO_PEER)/installed-package-lock.json && \
	  cp tests/oidc/package.json tests/oidc/package-lock.json $(SSO_PEER)/ && \
	  npm ci --prefix $(SSO_PEER) --no-audit --no-fund --loglevel=error >/dev/null && \
	  cp tests/oidc/package-lock.json $(SSO_PEER)/installed-package-lock.json; \
	fi

# Temporal's sandbox imports the workflow modules afresh for every workflow run: without cached
# bytecode (PYTHONDONTWRITEBYTECODE=1 is common) each run compiles them again, 10-20 ms of CPU.
# Only changed files are compiled.
bytecode: $(VENV)/.installed
	@$(BIN)/python -m compileall -q -j 0 domain contracts workflows activities store >/dev/null

# Every package at the version and hashes the lock names (requirements/dev.txt: the dev and
# embedded extras too), then Tandem itself, which adds nothing the lock does not have.
$(VENV)/.installed: pyproject.toml requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps -e '.[dev,embedded]'
	$(BIN)/pip check
	touch $@

# The gettext catalogues (i18n/locales/*/LC_MESSAGES/*.po, kept in git) compiled to the .mo files
# the pages and e-mails read; `make extract` lists in i18n/locales/*.pot every key the code and the
# templates use (tests/test_catalogues.py checks each has its words in every catalogue).
CATALOGUE_DOMAINS := web mail
catalogues: $(VENV)/.installed
	@$(BIN)/pybabel compile --use-fuzzy -d i18n/locales -D "$(CATALOGUE_DOMAINS)" 2>&1 | grep -v '^compiling catalog' || true

extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F i18n/babel.cfg -k _ -k t -k gettext -k ngettext -k plural --no-location \
	  --omit-header --sort-output -o i18n/locales/tandem.pot .

# The locks, for CI's and the image's platform (CPython 3.11, Linux x86_64): after a change to
# pyproject.toml's dependencies. Versions already locked stay; to move them:
#   make lock LOCK_FLAGS=--upgrade                    # everything
#   make lock LOCK_FLAGS='--upgrade-package fastapi'  # one package
# The production lock (the image's) is resolved within the dev one, so the image runs the
# versions CI tested.
LOCK_FLAGS ?=
UV_COMPILE := $(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes \
  --python-version 3.11 --python-platform x86_64-manylinux_2_28 --custom-compile-command 'make lock'
lock: $(VENV)/.installed
	$(UV_COMPILE) $(LOCK_FLAGS) --extra dev --extra embedded -o requirements/dev.txt
	$(UV_COMPILE) $(LOCK_FLAGS) -c requirements/dev.txt -o requirements/production.txt
	$(UV_COMPILE) $(LOCK_FLAGS) --extra bench -c requirements/dev.txt -o requirements/bench.txt
	$(BIN)/uv pip compile requirements/cpsat.in --quiet --generate-hashes --python-version 3.11 \
	  --python-platform x86_64-manylinux_2_28 --custom-compile-command 'make lock' \
	  $(LOCK_FLAGS) -o requirements/cpsat.txt

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy .
	$(BIN)/lint-imports --no-logo

demo: install
	$(BIN)/tandem demo

# The peers bench/peers.py measures Tandem against: the eventsourcing library in .venv (its
# lock, requirements/bench.txt, within the dev one), OR-Tools in a venv of its own under .tandem/
# (requirements/cpsat.txt: it pins a protobuf older than the Temporal SDK's). Neither is needed by
# `make install` or `make test`.
CPSAT_VENV := .tandem/cpsat
bench-peers: install
	$(BIN)/pip install --quiet --require-hashes -r requirements/bench.txt
	@cmp -s requirements/cpsat.txt $(CPSAT_VENV)/installed.txt || { \
	  rm -rf $(CPSAT_VENV) && $(PYTHON) -m venv $(CPSAT_VENV) && \
	  $(CPSAT_VENV)/bin/pip install --quiet --require-hashes -r requirements/cpsat.txt && \
	  cp requirements/cpsat.txt $(CPSAT_VENV)/installed.txt; }
	$(BIN)/python -m bench.peers --write BENCHMARKS.md

bench: install
	$(BIN)/python -m bench.matching
	$(BIN)/python -m bench.projections
	$(BIN)/python -m bench.sealing
	$(BIN)/python -m bench.simulate
	$(BIN)/python -m bench.time_skipping
	$(BIN)/python -m bench.web
	$(BIN)/python -m bench.capacity
	$(MAKE) bench-peers

clean:
	rm -rf $(VENV) .tandem .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
