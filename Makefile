# Jejak: everything runs from the virtual environment in .venv, made by `make venv`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=
# Pinned dependencies (see "Dependencies and the lock" in README.md): requirements-dev.lock is
# what `make venv` and CI install (jejak, its dev tools and the embedded-redis extra);
# requirements.lock is the production subset at the same versions, what the image installs.
LOCK     := requirements.lock
DEV_LOCK := requirements-dev.lock
UV       := $(CURDIR)/$(BIN)/uv
LOCK_ARGS ?=
UV_COMPILE = $(UV) pip compile --quiet --universal --python-version 3.11 \
	--custom-compile-command 'make lock'

.DEFAULT_GOAL := help
.PHONY: help venv run demo test lint format docs bench clean distclean lock lock-upgrade \
	lock-check secrets vendor

help:
	@echo "make venv   create .venv and install jejak with its dev tools"
	@echo "make run    start Redis (embedded unless REDIS_URL is set) and the six services"
	@echo "make migrate  bring every service's database to this release's schema (jejak migrate)"
	@echo "make demo   walk a product from workshop to buyer against running services"
	@echo "make test   run the tests (PYTEST_ARGS='-k trace' to select)"
	@echo "make lint   ruff check, ruff format --check, mypy"
	@echo "make docs   write docs/asyncapi.json (every stream, from the contracts and subscribers)"
	@echo "make bench  run the benchmarks"
	@echo "make chaos  >= 10,000 events while >= 100 faults are injected, then reconcile (~10-15 min)"
	@echo "make clean  remove caches, build output and the .jejak data directory"
	@echo "make lock   pin pyproject.toml's dependencies in $(DEV_LOCK) and $(LOCK)"
	@echo "            (make lock-upgrade: newest allowed versions; make lock-check: up to date?)"
	@echo "make secrets  write deploy/secrets/ for compose.yaml (kept; missing ones are made)"
	@echo "make vendor   npm ci, then copy htmx and axe-core into the repository (commit them)"

venv: $(STAMP)

# Re-installs when pyproject.toml or the lock is newer than the stamp: exactly the pinned
# versions (--no-deps: nothing is resolved anew), then jejak itself; `pip check` fails when
# the lock misses something pyproject.toml asks for (run `make lock`).
$(STAMP): pyproject.toml $(DEV_LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q --no-deps -r $(DEV_LOCK)
	$(BIN)/python -m pip install --disable-pip-version-check -q --no-deps -e .
	@$(BIN)/python -m pip check >&2 || { echo "make venv: $(DEV_LOCK) does not satisfy" \
		"pyproject.toml; run \`make lock\` and commit the lock files" >&2; exit 1; }
	@touch $(STAMP)

# uv resolves; it is in the dev lock, and installed alone here when the venv is not made yet.
$(UV):
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q 'uv>=0.5,<1'

# Keeps every pin that still satisfies pyproject.toml; LOCK_ARGS=--upgrade moves them all.
lock: $(UV)
	$(UV_COMPILE) pyproject.toml --extra dev --extra embedded-redis -o $(DEV_LOCK) $(LOCK_ARGS)
	$(UV_COMPILE) pyproject.toml -c $(DEV_LOCK) -o $(LOCK) $(LOCK_ARGS)

lock-upgrade:
	$(MAKE) lock LOCK_ARGS=--upgrade

# Fails when `make lock` would change a lock file: pyproject.toml and the locks disagree.
lock-check: $(UV)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	cp pyproject.toml $(LOCK) $(DEV_LOCK) "$$tmp"/ && \
	( cd "$$tmp" && \
	  $(UV_COMPILE) pyproject.toml --extra dev --extra embedded-redis -o $(DEV_LOCK) && \
	  $(UV_COMPILE) pyproject.toml -c $(DEV_LOCK) -o $(LOCK) ) && \
	if diff -u $(DEV_LOCK) "$$tmp/$(DEV_LOCK)" && diff -u $(LOCK) "$$tmp/$(LOCK)"; then \
		echo "lock-check: $(LOCK) and $(DEV_LOCK) match pyproject.toml"; \
	else \
		echo "lock-check: the lock files are out of date; run \`make lock\`" >&2; exit 1; \
	fi

# compose.yaml's secrets, in deploy/secrets/ (git ignores it): a password per PostgreSQL role
# and the Redis users (`jejak redis-users`). Existing files are kept. The folder is 0700; the
# files 0644, because the containers read them as their own users through bind mounts.
SECRETS  := deploy/secrets
SERVICES := production quality inventory sales trace identity console
secrets: venv
	@umask 077 && mkdir -p $(SECRETS)/redis && chmod 700 $(SECRETS)
	@for name in postgres $(addsuffix _db,$(SERVICES)); do \
		file=$(SECRETS)/$${name}_password; \
		test -s $$file || $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(24))' > $$file; \
	done
	$(BIN)/jejak redis-users --out $(SECRETS)/redis
	@$(BIN)/python -c 'import json, os, sys; d = sys.argv[1]; ns = os.environ.get("JEJAK_NAMESPACE") or "jejak"; \
		p = json.load(open(d + "/redis/passwords.json")); \
		[open(f"{d}/{s}_redis_password", "w").write(p[f"{ns}-{s}"]) for s in sys.argv[2:]]; \
		open(d + "/redis_admin_password", "w").write(p["default"])' $(SECRETS) $(SERVICES)
	@chmod 644 $(SECRETS)/*_password $(SECRETS)/redis/users.acl
	@echo "Wrote the secrets of compose.yaml to $(SECRETS)/ (keep them out of git and backups you share)"

run: venv
	$(BIN)/jejak run

# The console's front-end packages come from the npm registry through package-lock.json and are
# committed where they are served from (htmx) or injected by the browser tests (axe-core), so
# neither `make run` nor CI needs npm. After changing package.json: `make vendor`, commit.
CONSOLE_VENDOR := services/console/static/vendor
vendor:
	npm ci --ignore-scripts --no-audit --no-fund
	cp node_modules/htmx.org/dist/htmx.min.js $(CONSOLE_VENDOR)/htmx.min.js
	cp node_modules/axe-core/axe.min.js tests/vendor/axe.min.js

.PHONY: migrate
migrate: venv
	$(BIN)/jejak migrate

demo: venv
	$(BIN)/jejak demo

# pytest exits 5 when it collected no tests; that must fail, and say so.
test: venv
	@$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests (exit code 5)" >&2; fi; \
	exit $$rc

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

docs: venv
	$(BIN)/python -m jejak.docs

bench: venv
	$(BIN)/python -m bench

# Its own Redis (redis-server on PATH, AOF always) and databases (PostgreSQL when DATABASE_URL
# is set, else SQLite files); fails on any mismatch. CHAOS_ARGS='--seed 7' replays a run.
CHAOS_ARGS ?=
.PHONY: chaos
chaos: venv
	$(BIN)/jejak chaos --events 10000 --faults 100 $(CHAOS_ARGS)

clean:
	rm -rf .jejak build dist .mypy_cache .ruff_cache .pytest_cache *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
