# Paperboy: one verb per target. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format bench install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/paperboy migrate --no-input -v 0
	$(BIN)/paperboy load-demo
	@mkdir -p var
	@echo "Semantic embeddings are computed in the background (listed papers first);"
	@echo "search is keyword-only until some exist. Progress: paperboy index status"
	@echo "Digests are sent by a background worker; in the demo they land in var/outbox/."
	$(BIN)/paperboy index embed --loop 60 > var/embed.log 2>&1 & embed=$$!; \
	  $(BIN)/paperboy worker > var/worker.log 2>&1 & worker=$$!; \
	  trap 'kill $$embed $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/paperboy serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	bash scripts/install-e2e-tools
	bash scripts/run-tests

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/import_snapshot.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/embed.py
	$(BIN)/python bench/search_quality.py
	$(BIN)/python bench/digests.py
	$(BIN)/python bench/pages.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
