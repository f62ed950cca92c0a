# The same targets serve people and CI: `.ci/run` calls `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
PYTEST_E2E_ARGS := --device "Pixel 7" --browser chromium

.DEFAULT_GOAL := help
.PHONY: help install run test test-unit test-e2e lint format translations browser clean bench

help: ## List the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv; \
	  else echo "Python's venv module is missing: run  sudo apt-get install -y python3-venv"; exit 1; fi; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv with everything (test tools too) and compile the translations; idempotent
	$(BIN)/pybabel -q compile -d portal/translations

run: install ## Migrate, load the demo data (once) and serve on http://127.0.0.1:8000 (HOST=, PORT= change it)
	$(BIN)/portal migrate
	$(BIN)/portal load-data --demo
	BASE_URL=$${BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/portal serve --host $(HOST) --port $(PORT)

lint: install ## ruff (lint and formatting), then mypy --strict on portal/
	$(BIN)/ruff check portal tests e2e bench migrations
	$(BIN)/ruff format --check portal tests e2e bench
	$(BIN)/mypy portal

browser: ## Make sure Debian's Chromium (and CJK fonts for screenshots) are installed
	@if [ ! -x $(CHROMIUM) ] || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk; \
	  else \
	    echo "The e2e tests need Debian's Chromium: run  sudo apt-get install -y chromium fonts-noto-cjk"; exit 1; \
	  fi; \
	fi

# One worker per core (pytest-xdist), each with its own database.
PYTEST_UNIT_ARGS := -n auto

test-unit: install ## Unit and HTTP tests (SQLite; PostgreSQL too when TEST_DATABASE_URL is set)
	env -u TEST_DATABASE_URL $(BIN)/pytest tests $(PYTEST_UNIT_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then echo "== again on PostgreSQL"; $(BIN)/pytest tests $(PYTEST_UNIT_ARGS); fi

test-e2e: install browser ## Playwright tests in headless Chromium on a phone viewport
	env -u TEST_DATABASE_URL timeout 900 $(BIN)/pytest e2e $(PYTEST_E2E_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then echo "== again on PostgreSQL"; timeout 900 $(BIN)/pytest e2e $(PYTEST_E2E_ARGS); fi

test: lint test-unit test-e2e ## Everything: lint, unit, HTTP and e2e tests

translations: install ## Extract the messages and update both catalogues
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	  --project zhanjiang-portal -o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --ignore-obsolete
	$(BIN)/python -m portal.i18n_tools tidy

# PostgreSQL for `make bench`: its own database, created on the first run (and emptied by every run).
BENCH_PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/bench

bench: install ## The pages beside a bare Litestar route (wrk; SQLite, then PostgreSQL if it answers): bench/results/
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; \
	  else echo "make bench needs wrk: run  sudo apt-get install -y wrk"; exit 1; fi; }
	env -u DATABASE_URL $(BIN)/python bench/bench_pages.py
	@if $(BIN)/python -c 'import socket; socket.create_connection(("127.0.0.1", 5432), 1)' 2>/dev/null; then \
	  echo "== again on PostgreSQL"; DATABASE_URL=$(BENCH_PG_URL) $(BIN)/python bench/bench_pages.py; fi

clean: ## Remove the virtualenv and caches (keeps instance/, the local database and keys)
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache test-results
