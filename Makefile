# kare-ntk — `make help` lists the targets.
# One build profile (release) serves tests, benchmarks and the `kare` command.

CARGO ?= cargo
export CARGO_TARGET_DIR ?= $(CURDIR)/target
KARE := $(CARGO_TARGET_DIR)/release/kare

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z][a-zA-Z_-]*:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

.PHONY: build
build: ## Build the `kare` command (release)
	$(CARGO) build --release -p kare-pipeline

.PHONY: test
test: ## Run every test (release mode: the numerics are heavy)
	$(CARGO) test --release --workspace

.PHONY: bench
bench: ## Criterion benchmarks of the core library (NTK, KARE step, DNN step)
	$(CARGO) bench -p kare-benchmarks

.PHONY: fmt
fmt: ## Format the code
	$(CARGO) fmt --all

.PHONY: lint
lint: ## Check formatting and clippy lints
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --release --workspace --all-targets -- -D warnings

.PHONY: data-check
data-check: build ## Verify the data sets' checksums; print shapes and class balance
	$(KARE) datasets check

.PHONY: quick
quick: build ## The quick tier of every experiment (minutes)
	@echo "the experiment runner is not built yet (issue #3)"; exit 1

.PHONY: reproduce
reproduce: build ## Every experiment at full scale, then tables and figures
	@echo "the experiment runner is not built yet (issue #3)"; exit 1
