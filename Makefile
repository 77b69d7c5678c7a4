# Jejak: everything runs from the virtual environment in .venv, made by `make venv`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv run demo test lint format docs bench clean distclean

help:
	@echo "make venv   create .venv and install jejak with its dev tools"
	@echo "make run    start Redis (embedded unless REDIS_URL is set) and the six services"
	@echo "make demo   walk a product from workshop to buyer against running services"
	@echo "make test   run the tests (PYTEST_ARGS='-k trace' to select)"
	@echo "make lint   ruff check, ruff format --check, mypy"
	@echo "make docs   write docs/asyncapi.json (every stream, from the contracts and subscribers)"
	@echo "make bench  run the benchmarks"
	@echo "make clean  remove caches, build output and the .jejak data directory"

venv: $(STAMP)

# Re-installs when pyproject.toml is newer than the stamp.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -e '.[dev]'
	@touch $(STAMP)

run: venv
	$(BIN)/jejak run

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

clean:
	rm -rf .jejak build dist .mypy_cache .ruff_cache .pytest_cache *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
