import sys
from pathlib import Path

# The package lives beside the rules; importable without installing it (conda users).
sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))

from vabench.config import (
    ConfigError,
    network_name,
    network_params,
    parse_weights_label,
    validate_config,
    weights_label,
)

try:
    _validated = validate_config(config)
except ConfigError as _err:
    sys.stderr.write(f"vabench: invalid configuration: {_err}\n")
    sys.exit(1)
config.clear()
config.update(_validated)

NETWORK = network_name(config)
BACKENDS = list(config["backends"])
WEIGHTS = [weights_label(w["g_exc_nS"], w["g_inh_nS"]) for w in config["weights"]]
RUN_DIR = "results/runs/{network}/{backend}/{weights}"
SIM_PARAMS = {k: config[k] for k in ("cell", "stimulus", "simulation", "record")}


wildcard_constraints:
    network=r"N\d+_seed\d+_[0-9a-f]{8}",
    backend="|".join(["nest", "neuron", "brian2"]),
    weights=r"gexc~\d+(\.\d+)?(e[-+]?\d+)?_ginh~\d+(\.\d+)?(e[-+]?\d+)?",


def run_files(name, weights=None, backends=None):
    """Paths of one file of every run (every backend) at one weight set, or at all of them."""
    return expand(
        f"{RUN_DIR}/{name}",
        network=NETWORK,
        backend=backends or BACKENDS,
        weights=[weights] if weights else WEIGHTS,
    )


def figure_runs(weights):
    """Inputs of a figure that shows every backend at one weight set."""
    return {
        "spikes": run_files("spikes.parquet", weights),
        "traces": run_files("traces.npz", weights),
        "cells": run_files("cells.tsv", weights),
    }


def final_outputs():
    return [
        "results/stats/summary.tsv",
        "results/stats/agreement.tsv",
        "results/stats/spectra.tsv",
        "results/config.yaml",
        "results/figures/fig24_backends.png",
        "results/figures/spectra.png",
        "results/figures/state_histograms.png",
    ] + expand("results/figures/fig24_backends_{weights}.png", weights=WEIGHTS)
