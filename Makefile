# Sentinel: `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
CARGO_MANIFEST := agent_core/Cargo.toml
# Downloads are cached under the user's cache dir so reruns (and CI on a fresh clone) are fast.
export PIP_CACHE_DIR ?= $(HOME)/.cache/sentinel/pip
export CARGO_TARGET_DIR ?= $(CURDIR)/agent_core/target
DEMO_PORT ?= 8765

.PHONY: help
help: ## Show this help
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

.PHONY: install
install: $(VENV)/bin/python ## Build the Rust core and install every package (editable) into .venv
	$(PIP) install -e '.[dev,demo,ray]'
	@$(PY) -c "import agent_core._native" && echo "sentinel installed in $(VENV)"

.PHONY: demo
demo: install ## Start the demo shop, test it with `sentinel run`, print the summary and the reports
	$(PY) -m examples.demo_target.run_demo --port $(DEMO_PORT)

.PHONY: test
test: install ## Install what tests need, start the local services, run the whole suite (Rust and Python), stop them
	@# The Ray tests build network namespaces with `ip` (Debian's iproute2).
	@command -v ip >/dev/null 2>&1 || (apt-get update -q && apt-get install -y -q --no-install-recommends iproute2)
	cargo test --manifest-path $(CARGO_MANIFEST) --quiet
	$(PY) -m deploy.local with -- $(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

.PHONY: test-exactly-once
test-exactly-once: install ## The pipeline's exactly-once test with 100,000 events and every fault (EVENTS=... to change)
	SENTINEL_EXACTLY_ONCE_EVENTS=$(or $(EVENTS),100000) $(PY) -m deploy.local with -- \
		$(PY) -m pytest -p no:cacheprovider tests/integration/pipeline/test_exactly_once.py -k every_result -v

.PHONY: lint
lint: install ## ruff, mypy, import-linter, cargo fmt and clippy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	cargo fmt --manifest-path $(CARGO_MANIFEST) --check
	cargo clippy --manifest-path $(CARGO_MANIFEST) --all-targets -- -D warnings
	PYO3_PYTHON=$(CURDIR)/$(PY) cargo clippy --manifest-path $(CARGO_MANIFEST) --all-targets --features python -- -D warnings

.PHONY: bench
bench: install ## Run the benchmarks against their peers and bounds (see bench/RESULTS.md)
	$(PIP) install -e '.[bench]'
	$(PY) -m bench.generation
	$(PY) -m bench.execution
	$(PY) -m deploy.local with -- $(PY) -m bench.pipeline
	$(PY) -m bench.campaign

.PHONY: infra-up
infra-up: install ## Install (cached) and start Postgres, Kafka, Elasticsearch and Redis on loopback (SERVICES=... for some)
	$(PY) -m deploy.local up $(SERVICES)

.PHONY: infra-down
infra-down: ## Stop the local services that infra-up started (SERVICES=... for some)
	$(PY) -m deploy.local down $(SERVICES)

.PHONY: infra-status
infra-status: ## State, endpoint, PID, memory and log file of each local service
	$(PY) -m deploy.local status $(SERVICES)

.PHONY: clean
clean: ## Remove the virtualenv and build outputs
	rm -rf $(VENV) agent_core/target agent_core/_native*.so
