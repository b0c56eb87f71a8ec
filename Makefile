# ddeflow: `make demo` and `make test` work from a fresh clone; everything they need is installed here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help install jars lint test test-fast test-faults test-scaffold test-bench fuzz demo bench bench-parts chaos soak up down status clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install ddeflow with its dev tools

jars: install ## fetch the Kafka and Apicurio Registry jars from Maven Central (once; cached)
	$(BIN)/ddeflow local fetch

lint: install ## ruff (lint + format check) and mypy --strict
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The suite waits on brokers and workers more than it computes, so two pytest processes share the two cores well;
# each starts its own session stack.  loadfile keeps a module's tests, and its module fixtures, in one process.
TEST_WORKERS ?= 2
test: lint jars ## the suite against a real broker and registry (the fault, scaffold and bench runs have targets of their own)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

test-fast: install ## only the tests that need no broker
	$(BIN)/pytest -m "not integration"

test-faults: lint jars ## the fault runs: chaos CI profile, broker restart, leader kill, broker outage, Faust through SIGKILLs (CI runs it)
	$(BIN)/pytest -m faults

test-scaffold: lint jars ## a scaffolded processor pip-installed and run live under SIGKILL (about 1 min; not in test)
	$(BIN)/pytest -m separate tests/processors/integration/test_scaffold_live.py

FUZZ = PYTHONUNBUFFERED=1 nice -n 10 $(BIN)/pytest --hypothesis-profile=fuzz --hypothesis-show-statistics --timeout=0

fuzz: install ## the parser, core and Transformer properties on over a million fresh examples (long; not in test)
	$(MAKE) -j2 fuzz-parser fuzz-processors

# Two processes, one per core: the parser's properties, and the cores' and the Transformer's.
.PHONY: fuzz-parser fuzz-processors
fuzz-parser:
	$(FUZZ) tests/dde/test_properties.py
fuzz-processors:
	$(FUZZ) tests/processors/core/test_properties.py tests/processors/worker/test_transform_properties.py

demo: install jars ## start the local stack, run the pipeline over bundled matches, show what it derived, stop
	$(BIN)/python scripts/demo.py

BENCH_ARGS ?=
bench: install jars ## ddeflow bench: the worker's delay, throughput and RSS against raw-client baselines (bench-report/)
	PYTHONUNBUFFERED=1 $(BIN)/ddeflow bench $(BENCH_ARGS)

bench-parts: install jars ## the generator's, the simulator's and ingest live's benchmarks (numbers, not pass/fail)
	$(BIN)/python scripts/bench_generate.py
	$(BIN)/python -m scripts.bench_simulator_streams --fixtures 200 --streams 1000 --packets 400
	$(BIN)/python -m scripts.bench_ingest_live --fixtures 200 --time-scale 0.004 --stagger-s 0.2

test-bench: lint jars ## ddeflow bench's smallest profile end to end, report keys and plots (a few minutes; not in test)
	$(BIN)/pytest -m separate tests/bench/test_command.py

chaos: install jars ## the chaos suite: the pipeline under 9 kinds of fault vs an uninterrupted run (chaos-report.json)
	$(BIN)/python -m ddeflow.chaos --profile full --json chaos-report.json

SOAK_ARGS ?=
soak: install jars ## the whole pipeline at 1,000 packets/s for 10 min: RSS, lag, delay (soak-report/; not in test)
	PYTHONUNBUFFERED=1 $(BIN)/python -m scripts.soak $(SOAK_ARGS)

up: install jars ## ddeflow local up
	$(BIN)/ddeflow local up

down: install ## ddeflow local down
	$(BIN)/ddeflow local down

status: install ## ddeflow local status
	$(BIN)/ddeflow local status

clean: ## remove the venv and caches (not the jar cache in ~/.ddeflow)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
