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

.PHONY: run test lint typecheck migrate seed clean help translations screenshots audit

help:
	@echo "make run   - install, migrate, seed the demo hall (when empty) and serve on :$(PORT)"
	@echo "make test  - install test tools and run lint, type checks and the whole test suite"
	@echo "make serve-cluster - PROCESSES gunicorn processes behind nginx on :8080 (PostgreSQL + Redis)"

# A new virtualenv gets current pip and setuptools (the ones bundled with Python 3.11 have
# known advisories).
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools

# Stamp files: reinstall only when the locks change. Each lock holds the whole tree with
# hashes (`make lock`), so every install is one pip run with --require-hashes.
$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	touch $(VENV)/.runtime $@

# Recompile the locks from requirements*.in (pip-tools, in a virtualenv of its own) after
# changing a pin there.
LOCK := $(VENV)-lock/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links
.PHONY: lock
lock:
	$(PYTHON) -m venv $(VENV)-lock
	$(VENV)-lock/bin/pip install --quiet --upgrade pip pip-tools
	$(LOCK) -o requirements.txt requirements.in
	$(LOCK) -o requirements-dev.txt requirements-dev.in
	$(LOCK) -o requirements-bench.txt requirements-bench.in

# Indonesian UI text: translations/id/LC_MESSAGES/messages.po, compiled for Flask-Babel.
CATALOG := translations/id/LC_MESSAGES/messages
$(CATALOG).mo: $(CATALOG).po | $(VENV)/.runtime
	$(BIN)/pybabel compile --use-fuzzy -d translations -D messages
	touch $@

# After changing UI text: collect the strings and add new ones to the catalog to translate.
translations: $(VENV)/.runtime
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -k N_ --no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -D messages --no-fuzzy-matching

migrate: $(VENV)/.runtime $(CATALOG).mo
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo

run: seed
	@$(BIN)/flask check-demo-passwords
	@echo ""
	@echo "Loket is starting, listening on $(HOST):$(PORT)$(if $(filter 0.0.0.0,$(HOST)), (every address of this machine: other machines on the LAN reach it too; HOST=127.0.0.1 keeps it local))"
	@echo "  This machine: http://127.0.0.1:$(PORT)/"
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

# Independent test modules run on PYTEST_WORKERS processes (pytest-xdist; tests/conftest.py
# keeps each module, and the cluster and browser packages, on one worker).
PYTEST_WORKERS ?= 2
# Branch coverage of queue_app, reported after the tests (a report, not a gate; settings in
# pyproject.toml). It measures the test processes, not the servers they start. COVERAGE= skips it.
COVERAGE ?= --cov --cov-report=term:skip-covered

test: lint typecheck $(CATALOG).mo
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(COVERAGE) $(PYTEST_ARGS)

# Known vulnerabilities in requirements.txt and what it pulls in (pip-audit; needs PyPI).
# `make test` runs the same audit (tests/security/test_dependency_audit.py).
audit: $(VENV)/.dev
	$(BIN)/python scripts/audit_requirements.py

# Redraw docs/screenshots/ from a live demo hall in headless Chromium (/usr/bin/chromium).
# `make screenshots ONLY=kiosk` redraws only the kiosk's pictures.
screenshots: $(VENV)/.dev $(CATALOG).mo
	$(BIN)/python scripts/screenshots.py $(if $(ONLY),--only $(ONLY))
	$(if $(ONLY),,$(BIN)/python scripts/screenshots_mall.py)

# Benchmarks (bench/, docs/benchmarks.md): a short run of every one, about 3 minutes; the full
# set is `$(BIN)/python -m bench.run_all`. They start their own servers and never run in `make test`.
$(VENV)/.bench: requirements.txt requirements-dev.txt requirements-bench.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-bench.txt
	touch $(VENV)/.runtime $(VENV)/.dev $@

.PHONY: bench
bench: $(VENV)/.bench $(CATALOG).mo
	$(BIN)/python -m bench.run_all --short

# Scale-out on this machine (docs/deploy.md): PROCESSES gunicorn processes behind nginx on PORT
# (8080 unless PORT is given), against DATABASE_URL (default: database `loket` on the local
# PostgreSQL, created when missing) and REDIS_URL (default: the local Redis). Ctrl-C stops it.
PROCESSES ?= 4
CLUSTER_PORT = $(if $(filter file,$(origin PORT)),8080,$(PORT))

.PHONY: serve-cluster
serve-cluster: $(VENV)/.runtime $(CATALOG).mo
	$(BIN)/python scripts/serve_cluster.py --processes $(PROCESSES) --port $(CLUSTER_PORT) \
		--host $(HOST)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
