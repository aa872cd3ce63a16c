# Zhanjiang Brain — `make run` serves the app with the live feed; `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
SYSTEM_PACKAGES := chromium chromium-driver fonts-wqy-microhei openjdk-17-jre-headless

.PHONY: run seed serve serve-prod simulate test test-ahead check lint format types pytest system-deps bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt constraints.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.test-deps: requirements-dev.txt requirements.txt constraints.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@ $(VENV)/.run-deps

## run: install, seed the embedded data node if missing, serve the app with the live feed
run: seed
	$(PY) -m brain serve

seed: $(VENV)/.run-deps
	$(PY) -m brain seed --scale demo

serve: $(VENV)/.run-deps
	$(PY) -m brain serve

## serve-prod: gunicorn with several workers on app:server; the data node, alert store and cache
## are the servers named by BRAIN_DATA_URL, BRAIN_STORE_URL and BRAIN_CACHE_URL (see .env.example;
## a file .env beside this Makefile is read when present)
serve-prod: $(VENV)/.run-deps
	@set -a; [ ! -f .env ] || . ./.env; set +a; \
	  BRAIN_ENV=$${BRAIN_ENV:-production} $(BIN)/gunicorn -c gunicorn.conf.py app:server

simulate: $(VENV)/.run-deps
	$(PY) -m brain simulate

## system-deps: Debian packages the tests need (headless Chromium, CJK font, Java for Spark SQL)
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

## test: install what the tests need, then lint, format check, types and the whole suite
test: system-deps $(VENV)/.test-deps check pytest

check: lint types

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.test-deps
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

types: $(VENV)/.test-deps
	$(BIN)/mypy

pytest: $(VENV)/.test-deps
	$(PY) -m pytest

## test-ahead: the whole suite with the clock moved 120 days ahead (no test may depend on today)
test-ahead: system-deps $(VENV)/.test-deps
	BRAIN_TEST_CLOCK_AHEAD_DAYS=120 $(PY) -m pytest

bench: system-deps $(VENV)/.test-deps  # locust and headless Chromium for load.*
	$(PY) -m bench --scale bench --data-dir data/bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache artifacts
