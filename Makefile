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
	$(CARGO) build --release -p kare

.PHONY: test
test: ## Run every test and the library's examples (release mode), then test-slurm when Slurm is installed
	$(CARGO) test --release --workspace
	$(CARGO) run --release --example ntk_kare_of_saved_mlp
	$(CARGO) run --release --example train_on_your_arrays
	@if command -v sbatch >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory test-slurm; \
	elif [ "$(KARE_REQUIRE_SLURM)" = 1 ]; then \
		echo "error: KARE_REQUIRE_SLURM=1 but Slurm is not installed (no sbatch on PATH):" \
			"apt-get install --no-install-recommends slurm-wlm munge" >&2; \
		exit 1; \
	else \
		echo "test-slurm skipped: Slurm not installed (no sbatch on PATH; KARE_REQUIRE_SLURM=1 makes this an error)"; \
	fi

# The Slurm scale-out end to end (scripts/slurm-e2e.sh): a tiny experiment as a job array,
# collected and compared with `kare run`. Uses the running cluster when `sinfo` reaches one;
# otherwise starts a one-node cluster on this machine (scripts/slurm-local.sh, as root) and
# stops it afterwards.
.PHONY: test-slurm
test-slurm: build ## End-to-end test of `kare plan --slurm` on a Slurm cluster (one-node local if none)
	@command -v sbatch >/dev/null 2>&1 || { echo "error: Slurm is not installed (no sbatch on PATH):" \
		"apt-get install --no-install-recommends slurm-wlm munge" >&2; exit 1; }
	@started=; \
	if sinfo >/dev/null 2>&1; then echo "test-slurm: using the running Slurm cluster"; \
	else scripts/slurm-local.sh start || exit 1; started=1; fi; \
	scripts/slurm-e2e.sh "$(KARE)"; status=$$?; \
	if [ -n "$$started" ]; then scripts/slurm-local.sh stop; fi; \
	exit $$status

.PHONY: bench
bench: ## Criterion benchmarks of the core library; saves them as the committed baseline and writes BENCHMARKS.md
	scripts/bench.sh save

.PHONY: bench-check
bench-check: ## Benchmarks against the committed baseline (criterion's change detection); fails on a regression
	scripts/bench.sh check

# The CUDA build, compiled only (no GPU here): CUDA 13.4 from PyPI wheels into /opt/cuda-venv
# (≈ 127 MB, seconds), nvcc on every candle kernel (≈ 16–23 min cold on 2 cores), then the core
# library's test binaries linked against stub driver libraries. Not part of `make test` or CI.
# Its own target directory: the cuda feature resolves candle's features differently, and
# sharing one directory would rebuild candle at every switch.
CUDA_TARGET_DIR ?= $(CARGO_TARGET_DIR)-cuda
.PHONY: check-cuda
check-cuda: ## Compile the `cuda` feature (CUDA toolkit from PyPI; slow, not in CI)
	CARGO_TARGET_DIR=$(CUDA_TARGET_DIR) scripts/check-cuda.sh -p kare-ntk --tests

.PHONY: fmt
fmt: ## Format the code
	$(CARGO) fmt --all

.PHONY: lint
lint: ## Check formatting and clippy lints
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --release --workspace --all-targets -- -D warnings

# The data sets the experiments use; `kare datasets check` alone checks every entry, including
# the optional Fashion-MNIST and the UCI set declared unavailable (miniboone).
PAPER_DATA := simulation mnist-7v9 higgs higgs-clean uci121

.PHONY: data-check
data-check: build ## Verify the experiments' data (checksums, shapes, class balance)
	$(KARE) datasets check $(PAPER_DATA)

# The experiments (experiments/*.toml). Finished cells are cached (cache/, or $$KARE_CACHE_DIR), so
# an interrupted run resumes where it stopped; JOBS cells run at once, the cores split between
# them (small GEMMs scale poorly across threads, so one cell per core does the most work).
# figure1-paper-seeds and figure2-paper-seeds rerun Figures 1 and 2 (MNIST) on the authors' own
# random draws (numpy's legacy generator, seeds 0–9), reported beside our seeds and the paper.
EXPERIMENTS := figure1 figure1-paper-seeds figure2 figure2-paper-seeds table1
# The experiments `kare report` draws and checks (Table 1: the ranking against the 179 classifiers).
REPORTED := figure1 figure1-paper-seeds figure2 figure2-paper-seeds table1
JOBS ?= $(shell nproc 2>/dev/null || echo 1)

.PHONY: quick
quick: build ## The quick tier of every experiment (minutes): results/<experiment>-quick.csv
	@for e in $(EXPERIMENTS); do $(KARE) run $$e --quick --jobs $(JOBS) || exit 1; done
	$(KARE) report $(foreach e,$(REPORTED),$(e)-quick) --figures figures/quick --out results/REPORT-quick.md

.PHONY: reproduce
reproduce: build ## Every experiment at full scale (hours), then tables and figures
	@for e in $(EXPERIMENTS); do $(KARE) run $$e --jobs $(JOBS) || exit 1; done
	$(KARE) report $(REPORTED)
