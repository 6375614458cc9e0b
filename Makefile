# vabench: two commands do everything on a fresh machine (Python >= 3.11, a C++ compiler):
#   make reproduce   set up (if needed) and run the default study on NEST, NEURON and Brian2
#   make test        set up (if needed) and run the test suite
VENV ?= .venv
CORES ?= 2
PYTHON ?= python3
SNAKEMAKE_ARGS ?=
BIN := $(abspath $(VENV))/bin
# nrnivmodl (NEURON) and snakemake live in the virtual environment
export PATH := $(BIN):$(PATH)
export MPLBACKEND := Agg

.PHONY: reproduce-all setup reproduce resume report sweep bench bench-sweep test dry-run lint clean envs-check cost

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "vabench needs Python >= 3.11, found " + sys.version.split()[0]'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@echo "compiling PyNN's NEURON mechanisms once (nrnivmodl)"
	$(BIN)/python -c "import vabench.backends.neuron_backend as b; b.compile_mechanisms()"
	touch $@

# --rerun-incomplete: after a crash or a kill, jobs that were running are simply run again
reproduce: setup
	$(BIN)/snakemake --cores $(CORES) --rerun-incomplete $(SNAKEMAKE_ARGS)
	$(MAKE) report

# the three benchmarks of Brette et al. (2007), one study each: COBA (results/), then CUBA
# (results/cuba/) and HH-COBA (results/hh-coba/) from their presets
reproduce-all: reproduce
	$(BIN)/snakemake --cores $(CORES) --rerun-incomplete $(SNAKEMAKE_ARGS) --configfile config/presets/cuba.yaml
	$(BIN)/snakemake --cores $(CORES) --rerun-incomplete $(SNAKEMAKE_ARGS) --configfile config/presets/hh-coba.yaml

sweep: setup
	$(BIN)/snakemake --cores $(CORES) $(SNAKEMAKE_ARGS) sweep

# every backend x network size (config/bench.yaml) and our overhead against a bare PyNN script:
# results/bench/bench.tsv, results/bench/overhead.tsv, results/figures/bench.png (~25 min on 2 cores)
bench: setup
	$(BIN)/python -m vabench.bench all

bench-sweep: setup
	$(BIN)/python -m vabench.bench sweep-overhead

# after a crash, a kill or a lost node: drop Snakemake's stale lock, then carry on
resume: setup
	$(BIN)/snakemake --unlock $(SNAKEMAKE_ARGS)
	$(MAKE) reproduce

# the report is redone only when a result is newer than it (a no-op rerun stays a few seconds)
report: setup
	@$(MAKE) --no-print-directory results/report.html

results/report.html: $(wildcard results/config.yaml results/verdict.rst results/stats/*.tsv results/sweep/*.tsv results/figures/*.png)
	$(BIN)/snakemake --cores $(CORES) $(SNAKEMAKE_ARGS) --report results/report.html

dry-run: setup
	$(BIN)/snakemake -n --cores $(CORES) $(SNAKEMAKE_ARGS)

# TEST_WORKERS test files at a time (pytest-xdist, whole files per worker); TEST_WORKERS=0 runs them one by one
TEST_WORKERS ?= $(CORES)
test: setup
	$(BIN)/python -m pytest -v -rs --durations=15 -n $(TEST_WORKERS) --dist loadfile tests

# every rule in the conda env its `conda:` line names: `snakemake --sdm conda` on a tiny study, with
# tools/pip-conda (a stand-in conda for machines without conda) building each envs/*.yaml from its
# pip section; envs are cached in ENVS_CACHE (tests/test_envs.py runs the same check)
ENVS_CACHE ?= $(HOME)/.cache/vabench/conda-envs
envs-check: setup
	$(BIN)/python tools/pip-conda/envs_check.py --cache $(ENVS_CACHE) --cores $(CORES)

# where a finished run's time went, per rule (from benchmarks/)
cost: setup
	$(BIN)/python -m vabench.cost --benchmarks benchmarks

lint: setup
	$(BIN)/snakemake --lint

clean:
	rm -rf results logs benchmarks .snakemake
