# The two commands the README promises: `make run` and `make test`.
# Everything installs into a local virtualenv (.venv); nothing touches the system Python.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 0.0.0.0
PORT   ?= 8000
# Every open socket (phone status pages, boards) holds one gevent connection.
WORKER_CONNECTIONS ?= 10000

export FLASK_APP := queue_app

.PHONY: run test lint typecheck migrate seed clean help translations screenshots

help:
	@echo "make run   - install, migrate, seed the demo hall (when empty) and serve on :$(PORT)"
	@echo "make test  - install test tools and run lint, type checks and the whole test suite"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when the pinned requirements change.
$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

# Indonesian UI text: translations/id/LC_MESSAGES/messages.po, compiled for Flask-Babel.
CATALOG := translations/id/LC_MESSAGES/messages
$(CATALOG).mo: $(CATALOG).po | $(VENV)/.runtime
	$(BIN)/pybabel compile --use-fuzzy -d translations -D messages
	touch $@

# After changing UI text: collect the strings and add new ones to the catalog to translate.
translations: $(VENV)/.runtime
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l --no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -D messages --no-fuzzy-matching

migrate: $(VENV)/.runtime $(CATALOG).mo
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo

run: seed
	@echo ""
	@echo "Loket is starting on http://127.0.0.1:$(PORT)/"
	@echo "  API:        http://127.0.0.1:$(PORT)/api/v1/services"
	@echo "  OpenAPI:    http://127.0.0.1:$(PORT)/api/v1/openapi.json"
	@echo "  Board data: http://127.0.0.1:$(PORT)/api/v1/board"
	@echo ""
	$(BIN)/gunicorn --worker-class gevent --workers 1 \
		--worker-connections $(WORKER_CONNECTIONS) \
		--bind $(HOST):$(PORT) wsgi:app

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev
	$(BIN)/mypy

test: lint typecheck $(CATALOG).mo
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Redraw docs/screenshots/ from a live demo hall in headless Chromium (/usr/bin/chromium).
screenshots: $(VENV)/.dev $(CATALOG).mo
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
