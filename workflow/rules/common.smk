import os
import re
import sys
from pathlib import Path

# The package lives beside the rules; importable without installing it (conda users).
sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))

from vabench.config import (
    ConfigError,
    block_label,
    config_hash,
    ensemble_networks,
    network_name,
    network_params,
    run_params,
    seed_blocks,
    validate_config,
    weight_pair,
    weights_label,
    with_seed,
)
from vabench.models import get_model, model_root
from vabench.grid import axis_values, group_label, row_groups
from vabench.backends import engines, resource_names

try:
    _validated = validate_config(config)
except ConfigError as _err:
    sys.stderr.write(f"vabench: invalid configuration: {_err}\n")
    sys.exit(1)
config.clear()
config.update(_validated)

MODEL = get_model(config)
# a study holds one model: COBA's files where they always were, the others under results/<model>/
# (each ends in "/": the paths below are relative to it)
RESULTS, LOGS, BENCHMARKS = (
    os.path.join(model_root(MODEL.name, top), "")
    for top in ("results", "logs", "benchmarks")
)

ENSEMBLE = ensemble_networks(config)
# every network of the study: each seed, then its one-spike replicates
STUDY_NETWORKS = [net["name"] for net in ENSEMBLE]
# the one network the Fig. 24 layout shows: the first seed
NETWORK = ENSEMBLE[0]["name"]
MAIN_SEED = ENSEMBLE[0]["seed"]
BACKENDS = list(config["backends"])
WEIGHT_PAIRS = [weight_pair(w, MODEL.name) for w in config["weights"]]
WEIGHTS = [weights_label(*pair, MODEL.name) for pair in WEIGHT_PAIRS]
RUN_DIR = f"{RESULTS}runs/{{network}}/{{backend}}/{{weights}}"
# what a run depends on (record.neo is an export, not part of the run)
SIM_PARAMS = run_params(config)
# the engine conventions (input step, spike stamp, delay, refractory clamp) are measured on
# COBA's IF cell whatever the study's model (config/README.md, Benchmarks 2 and 3)
CONVENTION_PARAMS = {
    k: v for k, v in dict(SIM_PARAMS, cell=config["cell"]).items() if k != "model"
}

# the analysis jobs: one per backend, weight set and block of consecutive seeds (with their
# replicates), so one process pays the imports for many runs (ensemble.seeds_per_job)
BLOCKS = {
    block_label(seeds): [net["name"] for net in ENSEMBLE if net["seed"] in seeds]
    for seeds in seed_blocks(
        config["ensemble"]["seeds"], config["ensemble"]["seeds_per_job"]
    )
}
ANALYSIS_DIR = f"{RESULTS}analysis/{{backend}}/{{weights}}/{{block}}"
# analysis settings the per-run jobs use (not how runs are grouped into jobs)
ANALYSIS = dict(config["analysis"])


ENGINES = engines()


# a second each: on a cluster they run where Snakemake runs (profiles/slurm groups the rest)
localrules:
    all,
    build_network,
    sweep_points,
    fig24_backends_main,


def trace_content(wildcards):
    """What a run's traces.npz holds: full traces on the network the figures show, the LFP proxy elsewhere."""
    return "full" if wildcards.network == NETWORK else "lfp"


def block_runs(wildcards, name):
    """One file of every run of an analysis block, in the block's order."""
    return [
        f"{RESULTS}runs/{network}/{wildcards.backend}/{wildcards.weights}/{name}"
        for network in BLOCKS[wildcards.block]
    ]


def block_tables(name, weights=None, backends=None):
    """One table of every analysis block (backend, then weight set, then block: the order of the old per-run tables)."""
    return [
        f"{RESULTS}analysis/{backend}/{w}/{block}/{name}"
        for backend in backends or BACKENDS
        for w in ([weights] if weights else WEIGHTS)
        for block in BLOCKS
    ]


def network_block(network):
    """The analysis block that holds ``network``."""
    return next(block for block, nets in BLOCKS.items() if network in nets)


def with_section(params, backend):
    """Job params plus the engine's own config section, only for the engine that reads it."""
    section = ENGINES[backend].section
    return dict(params, **{section: config[section]}) if section else params


def sim_params(wildcards):
    """What a simulate job depends on."""
    return with_section(SIM_PARAMS, wildcards.backend)


def convention_params(wildcards):
    """What a conventions job depends on."""
    return with_section(CONVENTION_PARAMS, wildcards.backend)


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
SWEEP_DIR = f"{RESULTS}sweep/runs/{{network}}/{{backend}}"
# every network the study needs: the main one and one per sweep seed
NETWORK_PARAMS = {net["name"]: net["params"] for net in ENSEMBLE}
NETWORK_PARAMS.update(
    {
        network_name(with_seed(config, s)): network_params(with_seed(config, s))
        for s in SWEEP["seeds"]
    }
)


# a weight in a path segment (weights_label): digits, a fraction, an exponent
NUMBER = r"\d+(\.\d+)?(e[-+]?\d+)?"


wildcard_constraints:
    network=r"N\d+_seed\d+(r\d+)?_[0-9a-f]{8}",
    backend="|".join(re.escape(name) for name in ENGINES),
    weights=r"(gexc~{n}_ginh~{n}|wexc~{n}_winh~{n})".replace("{n}", NUMBER),
    block=r"seeds-from~\d+",


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
    runs = {
        name.split(".")[0]: run_files(name, weights, networks=[NETWORK])
        for name in ("spikes.parquet", "traces.npz", "run.json")
    }
    runs["cells"] = [
        f"{RESULTS}analysis/{backend}/{weights}/{network_block(NETWORK)}/cells.tsv"
        for backend in BACKENDS
    ]
    runs["summary"] = f"{RESULTS}stats/summary.tsv"
    return runs


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
# The benchmark point of the map's check is a run of the study where the study has it, on the
# same network and to the same t_stop: the check reads that run instead of simulating it again.
BENCHMARK = weights_label(*SWEEP["benchmark_point"])
CHECK_REUSES_STUDY = (
    CHECK["backend"] in BACKENDS
    and BENCHMARK in WEIGHTS
    and SWEEP["t_stop_ms"] == config["simulation"]["t_stop_ms"]
)


def check_reused(network):
    """The weight labels of the check's points on ``network`` that a study run provides."""
    return [BENCHMARK] if CHECK_REUSES_STUDY and network in STUDY_NETWORKS else []


def check_study_runs(wildcards, name):
    """The study runs the map's check reuses (the benchmark point), one file each."""
    return [
        f"{RESULTS}runs/{network}/{wildcards.ref}/{BENCHMARK}/{name}"
        for network in SWEEP_NETWORKS
        if check_reused(network)
    ]


def sweep_run_records():
    """run.json of every map point, every backend and seed."""
    return [
        f"{RESULTS}sweep/runs/{network}/{backend}/{weights_label(g_exc, g_inh)}/run.json"
        for network in SWEEP_NETWORKS
        for backend in SWEEP_BACKENDS
        for g_exc in G_EXC
        for g_inh in G_INH
    ]


def sweep_rows(wildcards):
    """Point tables of every network seed of one backend's map."""
    return expand(
        f"{RESULTS}sweep/points/{{network}}/{{backend}}.tsv",
        network=SWEEP_NETWORKS,
        backend=wildcards.backend,
    )


ENSEMBLE_FIGURES = ["survival", "paired_differences", "distributions", "divergence"]


def final_outputs():
    return (
        [
            f"{RESULTS}stats/summary.tsv",
            f"{RESULTS}stats/agreement.tsv",
            f"{RESULTS}stats/agreement_pairs.tsv",
            f"{RESULTS}stats/conventions.tsv",
            f"{RESULTS}verdict.rst",
            f"{RESULTS}stats/divergence.tsv",
            f"{RESULTS}stats/spectra_ensemble.tsv",
            f"{RESULTS}stats/spectra.tsv",
            f"{RESULTS}stats/provenance.tsv",
            f"{RESULTS}config.yaml",
            f"{RESULTS}figures/fig24_backends.png",
            f"{RESULTS}figures/spectra.png",
            f"{RESULTS}figures/state_histograms.png",
        ]
        + expand(f"{RESULTS}figures/{{name}}.png", name=ENSEMBLE_FIGURES)
        + expand(f"{RESULTS}figures/fig24_backends_{{weights}}.png", weights=WEIGHTS)
        + (run_files("exc.neo.pkl") if config["record"]["neo"] else [])
        + sweep_outputs()
    )


def sweep_outputs():
    return (
        expand(f"{RESULTS}sweep/{{backend}}/points.tsv", backend=SWEEP_BACKENDS)
        + expand(
            f"{RESULTS}figures/sustained_activity_{{backend}}.png",
            backend=SWEEP_BACKENDS,
        )
        + expand(
            f"{RESULTS}sweep/check_{{backend}}_vs_{{ref}}.tsv",
            backend=CHECKED_BACKENDS,
            ref=CHECK["backend"],
        )
    )
