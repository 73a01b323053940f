# Fengchao (蜂巢). `make run` starts the whole platform on this machine; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
PYTEST := PYTHONWARNINGS=ignore $(BIN)/python -m pytest

.PHONY: install run lint test unit integration e2e bench chaos migrate clean audit fuzz demo load

install: $(STAMP)

$(STAMP):
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: install ## every service, the relay and the gateway on this machine (SQLite, local RabbitMQ)
	PYTHONWARNINGS=ignore $(BIN)/python deploy/run_local.py

SIZE ?= full
demo: install ## load the demo data set into the running platform (SIZE=full|small|tiny; see docs/demo.md)
	PYTHONWARNINGS=ignore $(BIN)/python -m deploy.demo --size $(SIZE)

load: install ## the mixed-journey load test against demo data (12 and 1,200 tenants); writes docs/benchmarks.md
	PYTHONWARNINGS=ignore $(BIN)/python -m tests.bench.run platform_load

test: install lint ## lint and types, then unit, integration and end-to-end tests against real RabbitMQ and PostgreSQL (AMQP_URI/DATABASE_URL, else this machine's own, started if stopped, else containers)
	$(PYTEST)

lint: install ## ruff (E, F, W, I, B, UP, SIM) over the tree and mypy --strict on services/common and gateway
	$(BIN)/ruff check .
	$(BIN)/mypy

unit: install ## only the tests that need no broker or database server
	$(PYTEST) tests/unit

integration: install
	$(PYTEST) tests/integration

e2e: install
	$(PYTEST) tests/e2e

bench: install ## benchmarks; results go to docs/benchmarks.md
	PYTHONWARNINGS=ignore $(BIN)/python -m tests.bench.run

chaos: install ## fault tests on a private RabbitMQ and PostgreSQL: kill -9, broker and database restarts, a hung service
	PYTHONWARNINGS=ignore $(BIN)/python -m tests.chaos.run

audit: install ## pip-audit over requirements.lock (exit 2 when no vulnerability service answers: NOT audited)
	PYTHONWARNINGS=ignore $(BIN)/python -m tests.security.audit

fuzz: install ## schemathesis over every operation as every role, longer than the run inside `make test`
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-40} FUZZ_TIMEOUT_S=3600 $(PYTEST) tests/security/test_fuzz_openapi.py -s

migrate: install ## upgrade every database named by DATABASE_URL to the newest migration
	PYTHONWARNINGS=ignore $(BIN)/python -m services.common.migrate

clean:
	rm -rf $(VENV) var build *.egg-info

.PHONY: deploy-check image backup

deploy-check: install ## render the Kubernetes manifests and check them and the compose file (no cluster, no Docker)
	$(PYTEST) tests/deploy

image: ## the container image for every process (needs a Docker engine)
	docker build -f deploy/Dockerfile -t fengchao:dev .

backup: install ## pg_dump every component database (DATABASE_URL) into var/backups/<UTC time>/
	PYTHONWARNINGS=ignore $(BIN)/python deploy/backup.py backup --to var/backups/$(shell date -u +%Y%m%dT%H%M%SZ)
