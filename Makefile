# Rappel — every task a developer or CI needs. `make` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# SQLite, then PostgreSQL in a throwaway cluster, at scales 1.0 and 0.1 (make bench BENCH_ARGS=... to change)
BENCH_ARGS ?= --db both
HOST ?= 127.0.0.1
PORT ?= 8000

# The first interpreter that is Python >= 3.12 (Django 6 needs it). A .python-version file
# makes pyenv's `python3` resolve to 3.12 on machines that have pyenv.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 python; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { echo $$p; break; }; done)

.PHONY: help run setup test test-fast lint format messages bench bench-optimizer bench-live backup restore clean

help: ## List the tasks
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.python-ok:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "Rappel needs Python 3.12 or newer (Django 6). Install it, e.g. 'apt-get install python3.12 python3.12-venv'"; \
	  echo "or 'pyenv install 3.12', then run make again (or pass PYTHON=/path/to/python3.12)."; exit 1; fi
	@mkdir -p $(VENV) && touch $@

$(VENV)/bin/python: | $(VENV)/.python-ok
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

# Test tools: pytest & Playwright (it drives the system's /usr/bin/chromium, never a downloaded
# browser), and axe-core from npm for the accessibility tests (tests/browser/node_modules).
$(VENV)/.installed-dev: requirements.txt requirements-dev.txt tests/browser/package-lock.json $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/browser --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the accessibility tests will skip (in CI they fail). Install nodejs and npm."; fi

setup: $(VENV)/.installed ## Create .venv, install, migrate, load course + banks, demo accounts
	$(PY) manage.py bootstrap

run: setup ## Set everything up and serve the app with demo data on http://127.0.0.1:8000
	@echo "Serving Rappel on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	@# `daphne` in INSTALLED_APPS: runserver serves the ASGI application, live sessions' WebSockets included.
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed-dev ## Run the whole test suite (in parallel)
	$(PY) -m pytest -n auto -p no:cacheprovider $(PYTEST_ARGS)

test-fast: $(VENV)/.installed-dev ## Run the tests without xdist (easier to read failures)
	$(PY) -m pytest -x -p no:cacheprovider $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev ## ruff (lint + format check, pinned in requirements-dev.txt) and the bank linter
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py lint_banks

format: $(VENV)/.installed-dev ## Fix what ruff can fix and format the code
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Locust, the load generator, in a virtualenv of its own (gevent patches the standard library).
LOCUST_VENV := bench/.venv-locust
$(LOCUST_VENV)/.installed: bench/requirements-locust.txt | $(VENV)/bin/python
	$(PY) -m venv --clear $(LOCUST_VENV)
	$(LOCUST_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r bench/requirements-locust.txt
	@touch $@

bench: $(VENV)/.installed-dev $(LOCUST_VENV)/.installed ## Measure speed at school scale, load test with Locust (writes bench/results.md and .json)
	$(PY) bench/run.py $(BENCH_ARGS)

# The FSRS optimizer on the seeded school (writes bench/results-optimizer.md and .json)
BENCH_OPTIMIZER_ARGS ?= --db both --scale 1
bench-optimizer: $(VENV)/.installed-dev ## Time the FSRS optimizer on 1M seeded reviews, SQLite and PostgreSQL
	$(PY) bench/optimizer.py $(BENCH_OPTIMIZER_ARGS)

LIVE_BENCH_ARGS ?= --players 300 --questions 3
bench-live: $(VENV)/.installed-dev ## Live sessions: 300 players on 2 ASGI processes with Redis, drills (writes bench/results-live.md)
	@command -v redis-server >/dev/null || { echo "bench-live needs redis-server: apt-get install -y redis-server"; exit 2; }
	$(PY) bench/live.py $(LIVE_BENCH_ARGS)

BACKUP ?= backups/rappel-$(shell date +%Y%m%d-%H%M%S).jsonl.gz
backup: $(VENV)/.installed ## Save all data to backups/ (BACKUP=path to choose the file)
	$(PY) manage.py backup "$(BACKUP)"

restore: $(VENV)/.installed ## Replace all data with a backup: make restore BACKUP=path (YES=1: no question, e.g. in a script)
	@test -f "$(BACKUP)" || { echo "No backup file $(BACKUP): say which, make restore BACKUP=backups/…"; exit 2; }
	$(PY) manage.py restore $(if $(filter 1 yes true,$(YES)),--yes) "$(BACKUP)"

messages: $(VENV)/.installed ## Refresh the translation catalogues (needs GNU gettext) and compile them
	$(PY) manage.py makemessages -l fr --ignore=.venv --ignore=tests --ignore=bench --ignore=node_modules --no-obsolete
	@# English is the source language: its catalogue repeats every msgid of the French one.
	msgfilter --keep-header -i locale/fr/LC_MESSAGES/django.po -o locale/en/LC_MESSAGES/django.po sed -e d
	msgen -o locale/en/LC_MESSAGES/django.po locale/en/LC_MESSAGES/django.po
	sed -i -e 's/^"Language: fr\\n"/"Language: en\\n"/' \
	  -e 's/^"Plural-Forms: nplurals=2; plural=(n > 1);\\n"/"Plural-Forms: nplurals=2; plural=(n != 1);\\n"/' \
	  locale/en/LC_MESSAGES/django.po
	$(PY) manage.py compilemessages --ignore=.venv

clean: ## Remove the virtualenv, the local database and collected static files
	rm -rf $(VENV) db.sqlite3 staticfiles
