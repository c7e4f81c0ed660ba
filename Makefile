# Two commands do everything: `make run` serves the app, `make test` runs the suite.
PYTHON ?= $(shell command -v python3.13 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test test-python test-frontend setup frontend migrate worker lint clean

run: setup
	$(BIN)/python manage.py serve --port $(PORT)

test: setup
	$(BIN)/python -m pytest
	cd frontend && npm test

setup: $(VENV)/.installed frontend/dist/.vite/manifest.json migrate

$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

# Rebuilt only when a source file is newer than the manifest.
frontend/dist/.vite/manifest.json: frontend/node_modules/.installed $(shell find frontend/src frontend/index.html frontend/vite.config.ts frontend/tsconfig*.json -type f 2>/dev/null)
	cd frontend && npm run build

# The distributed mode: one Celery worker running node attempts. It needs the
# same DATABASE_URL (PostgreSQL) and REDIS_URL as the servers; QUEUES picks
# the queues it serves (nodes choose theirs with `queue`).
QUEUES ?= default
worker: setup
	$(BIN)/celery -A editor worker --queues $(QUEUES) --loglevel INFO

migrate: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput -v0

lint: setup
	$(BIN)/ruff check editor workflows tests bench
	$(BIN)/ruff format --check editor workflows tests bench

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist
