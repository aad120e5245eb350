# taskflow: `make run` starts everything, `make test` runs every test. `make help` lists targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
export UV_PYTHON_PREFERENCE := only-system

.PHONY: help install run test test-unit test-api lint format bench clean

help: ## list targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

.tools/bin/uv:
	python3 -m venv .tools && .tools/bin/pip install -q "uv==$(UV_VERSION)"

install: $(if $(filter .tools/bin/uv,$(UV)),.tools/bin/uv) ## create .venv with the locked dependencies
	$(UV) sync --frozen

run: install ## run the whole stack (MongoDB, Redis, mail sink, HAProxy, two API processes, worker) on 127.0.0.1:8000
	@command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq haproxy >/dev/null; } || true
	$(UV) run --frozen taskflow dev

test: install lint ## lint, type-check, then every test layer
	$(UV) run --frozen pytest

test-unit: install ## the unit layer: the domain on fakes, no servers (seconds)
	$(UV) run --frozen pytest tests/unit tests/contract -m unit -n 0

lint: install ## ruff, formatting, mypy --strict
	$(UV) run --frozen ruff check src tests bench
	$(UV) run --frozen ruff format --check src tests bench
	$(UV) run --frozen mypy

format: install ## apply ruff's fixes and formatting
	$(UV) run --frozen ruff check --fix src tests bench
	$(UV) run --frozen ruff format src tests bench

bench: install ## load-test the API beside a bare Litestar app and print the figures
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || { echo "install wrk"; exit 1; }
	@command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq haproxy >/dev/null; } || echo "no haproxy: the bench skips its rows through HAProxy"
	$(UV) run --frozen python -m bench $(BENCH_ARGS)

clean: ## remove the virtualenv, caches and the dev stack's data
	rm -rf .venv .tools .taskflow .pytest_cache .mypy_cache .ruff_cache
