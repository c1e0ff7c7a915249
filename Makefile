# Riskkarta — two commands: `make run` serves the app, `make test` runs the tests.
# Both set everything up first (system packages, venv, front-end assets, local PostGIS), idempotently.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup system system-test venv assets test-assets db migrate demo stop clean-db lint bench

run: setup
	@RISKKARTA_ANONYMOUS_ROLE=$${RISKKARTA_ANONYMOUS_ROLE:-viewer} $(BIN)/riskkarta serve

setup: system venv assets db

test: system-test venv test-assets
	@$(PYTHON) scripts/localdb.py start
	$(BIN)/ruff check --no-cache .
	$(BIN)/python -m pytest

system:
	@bash scripts/system_deps.sh

system-test:
	@bash scripts/system_deps.sh --test

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	@echo "venv: installing riskkarta and its dependencies"
	@$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $@

assets:
	@$(PYTHON) scripts/assets.py

# The pages' assets plus what the tests use from the npm registry: the OIDC provider the sign-in tests start
# (tests/oidc/) and axe-core, which the accessibility tests inject into every page (tests/axe/).
test-assets:
	@$(PYTHON) scripts/assets.py --test

db: venv
	@$(PYTHON) scripts/localdb.py start
	@$(BIN)/riskkarta db up
	@$(BIN)/riskkarta demo load --if-empty

migrate: venv
	@$(BIN)/riskkarta db up

demo: venv
	@$(BIN)/riskkarta demo load

stop:
	@$(PYTHON) scripts/localdb.py stop

clean-db:
	@$(PYTHON) scripts/localdb.py clean

lint: venv
	$(BIN)/ruff check --no-cache .

# The README's and the user guide's screenshots (webapp/docs/images/), from the demo city in headless Chromium.
.PHONY: screenshots
screenshots: setup
	@test -x /usr/bin/chromium || bash scripts/system_deps.sh --test
	$(BIN)/python scripts/screenshots.py
