# Paperboy: one verb per target. `make run` and `make test` work on a fresh machine.
# The newest supported interpreter on this machine (3.13, 3.12, then 3.11), or PYTHON=...
PYTHON ?= $(shell scripts/find-python || echo python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

LOCK := requirements/dev.txt
COMPILE := uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --quiet

.PHONY: run test package lint format bench install upgrade lock clean

# Installs exactly the locked versions, each checked against its recorded hashes; the
# ranges in pyproject.toml are for people installing the package into their own setup.
$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

# Re-resolve the lock to the newest versions pyproject.toml allows (then run make test).
upgrade: $(STAMP)
	$(BIN)/$(COMPILE) --extra dev -o $(LOCK) --upgrade
	$(BIN)/$(COMPILE) --extra gpu -o requirements/gpu.txt --upgrade

# Re-resolve after changing pyproject.toml, keeping every version that still fits.
lock: $(STAMP)
	$(BIN)/$(COMPILE) --extra dev -o $(LOCK)
	$(BIN)/$(COMPILE) --extra gpu -o requirements/gpu.txt

install: $(STAMP)

run: $(STAMP)
	$(BIN)/paperboy demo --host $(HOST) --port $(PORT)

test: $(STAMP)
	bash scripts/install-e2e-tools
	VENV=$(VENV) bash scripts/run-tests

# The wheel and sdist pass twine, and a plain pip install of the wheel serves the demo.
package: $(STAMP)
	bash scripts/check-package

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
	rm -rf .venv .venv-* var .pytest_cache .ruff_cache
