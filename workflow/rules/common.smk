import re
import sys
from pathlib import Path

# The package lives beside the rules; importable without installing it (conda users).
sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))

from vabench.config import (
    ConfigError,
    config_hash,
    ensemble_networks,
    network_name,
    network_params,
    validate_config,
    weights_label,
    with_seed,
)
import pandas as pd

from vabench.sweep import axis_values, edge_points, group_label, row_groups
from vabench.backends import engines, resource_names

try:
    _validated = validate_config(config)
except ConfigError as _err:
    sys.stderr.write(f"vabench: invalid configuration: {_err}\n")
    sys.exit(1)
config.clear()
config.update(_validated)

ENSEMBLE = ensemble_networks(config)
# every network of the study: each seed, then its one-spike replicates
STUDY_NETWORKS = [net["name"] for net in ENSEMBLE]
# the one network the Fig. 24 layout shows: the first seed
NETWORK = ENSEMBLE[0]["name"]
MAIN_SEED = ENSEMBLE[0]["seed"]
BACKENDS = list(config["backends"])
WEIGHTS = [weights_label(w["g_exc_nS"], w["g_inh_nS"]) for w in config["weights"]]
RUN_DIR = "results/runs/{network}/{backend}/{weights}"
SIM_PARAMS = {k: config[k] for k in ("cell", "stimulus", "simulation", "record")}


ENGINES = engines()


def with_section(params, backend):
    """Job params plus the engine's own config section, only for the engine that reads it."""
    section = ENGINES[backend].section
    return dict(params, **{section: config[section]}) if section else params


def sim_params(wildcards):
    """What a simulate job depends on."""
    return with_section(SIM_PARAMS, wildcards.backend)


def sweep_sim_params(wildcards):
    """What a map row depends on."""
    return with_section(SWEEP_SIM_PARAMS, wildcards.backend)


# every resource some engine holds, per job: e.g. a SpiNNaker board (profiles cap it at 1)
ENGINE_RESOURCES = {
    name: (lambda wc, name=name: ENGINES[wc.backend].resources.get(name, 0))
    for name in resource_names()
}


SWEEP = config["sweep"]
SWEEP_BACKENDS = list(SWEEP["backends"])
G_EXC = axis_values(SWEEP["g_exc_nS"])
G_INH = axis_values(SWEEP["g_inh_nS"])
SWEEP_NETWORKS = [network_name(with_seed(config, seed)) for seed in SWEEP["seeds"]]
SWEEP_SIM_PARAMS = dict(
    SIM_PARAMS,
    simulation=dict(config["simulation"], t_stop_ms=SWEEP["t_stop_ms"]),
    record={"n_traced": 0},
)
SWEEP_DIR = "results/sweep/runs/{network}/{backend}"
# every network the study needs: the main one and one per sweep seed
NETWORK_PARAMS = {net["name"]: net["params"] for net in ENSEMBLE}
NETWORK_PARAMS.update(
    {
        network_name(with_seed(config, s)): network_params(with_seed(config, s))
        for s in SWEEP["seeds"]
    }
)


wildcard_constraints:
    network=r"N\d+_seed\d+(r\d+)?_[0-9a-f]{8}",
    backend="|".join(re.escape(name) for name in ENGINES),
    weights=r"gexc~\d+(\.\d+)?(e[-+]?\d+)?_ginh~\d+(\.\d+)?(e[-+]?\d+)?",


def run_files(name, weights=None, backends=None, networks=None):
    """Paths of one file of every run (every network and backend) at one weight set, or at all of them."""
    return expand(
        f"{RUN_DIR}/{name}",
        network=networks or STUDY_NETWORKS,
        backend=backends or BACKENDS,
        weights=[weights] if weights else WEIGHTS,
    )


def figure_runs(weights):
    """Inputs of a figure that shows every backend at one weight set, on the first network."""
    return {
        name.split(".")[0]: run_files(name, weights, networks=[NETWORK])
        for name in (
            "spikes.parquet",
            "traces.npz",
            "cells.tsv",
            "run.json",
            "summary.tsv",
        )
    }


def sweep_group_outputs(name, rows):
    """Files of every point of a group of grid rows: one folder per point."""
    return [
        f"{SWEEP_DIR}/{weights_label(g_exc, g_inh)}/{name}"
        for g_exc in rows
        for g_inh in G_INH
    ]


# the map's jobs: groups of g_exc rows, each simulated on one network in one process
ROW_GROUPS = row_groups(G_EXC, SWEEP["rows_per_job"])
CHECK = SWEEP["check"]
# the maps checked against the reference engine (not the reference's own map)
CHECKED_BACKENDS = (
    [b for b in SWEEP_BACKENDS if b != CHECK["backend"]] if CHECK["n_points"] else []
)


def check_runs(wildcards, name):
    """Reference runs at the checked points of one map (chosen from the finished map)."""
    points = pd.read_csv(
        checkpoints.sweep_points.get(backend=wildcards.backend).output.points,
        sep="\t",
    )
    chosen = edge_points(points, CHECK["n_points"], SWEEP["benchmark_point"])
    return [
        f"results/sweep/check/{network}/{wildcards.ref}/{weights_label(x, y)}/{name}"
        for network in SWEEP_NETWORKS
        for x, y in chosen
    ]


def sweep_run_records():
    """run.json of every map point, every backend and seed."""
    return [
        f"results/sweep/runs/{network}/{backend}/{weights_label(g_exc, g_inh)}/run.json"
        for network in SWEEP_NETWORKS
        for backend in SWEEP_BACKENDS
        for g_exc in G_EXC
        for g_inh in G_INH
    ]


def sweep_rows(wildcards):
    """Point tables of every network seed of one backend's map."""
    return expand(
        "results/sweep/points/{network}/{backend}.tsv",
        network=SWEEP_NETWORKS,
        backend=wildcards.backend,
    )


ENSEMBLE_FIGURES = ["survival", "paired_differences", "distributions", "divergence"]


def final_outputs():
    return (
        [
            "results/stats/summary.tsv",
            "results/stats/agreement.tsv",
            "results/stats/agreement_pairs.tsv",
            "results/stats/divergence.tsv",
            "results/stats/spectra_ensemble.tsv",
            "results/stats/spectra.tsv",
            "results/stats/provenance.tsv",
            "results/config.yaml",
            "results/figures/fig24_backends.png",
            "results/figures/spectra.png",
            "results/figures/state_histograms.png",
        ]
        + expand("results/figures/{name}.png", name=ENSEMBLE_FIGURES)
        + expand("results/figures/fig24_backends_{weights}.png", weights=WEIGHTS)
        + sweep_outputs()
    )


def sweep_outputs():
    return (
        expand("results/sweep/{backend}/points.tsv", backend=SWEEP_BACKENDS)
        + expand(
            "results/figures/sustained_activity_{backend}.png", backend=SWEEP_BACKENDS
        )
        + expand(
            "results/sweep/check_{backend}_vs_{ref}.tsv",
            backend=CHECKED_BACKENDS,
            ref=CHECK["backend"],
        )
    )
