"""The sustained-activity map on the tiny config, and which jobs a change reruns (dry runs)."""

import pandas as pd
import pytest
import yaml
from matplotlib.image import imread

from vabench.grid import axis_values, edge_points

from conftest import TINY, copy_workflow, run_snakemake


def dry_run_jobs_verbose(workdir, config: dict, *targets, outputs=False):
    """(rule, wildcards line) of every job a dry run would execute; (rule, output line) with ``outputs``.
    Map jobs are reported as rule ``simulate_map`` (with several row groups, their rules are numbered)."""
    (workdir / "extra.yaml").write_text(yaml.safe_dump(config))
    proc = run_snakemake(workdir, "-n", *targets, "--configfile", "tiny.yaml", "extra.yaml")
    jobs, rule = [], None
    key = "output:" if outputs else "wildcards:"
    for line in proc.stdout.splitlines():
        line = line.strip()
        if line.startswith(("rule ", "localrule ", "checkpoint ")):
            rule = line.split()[1].rstrip(":")
            rule = "simulate_map" if rule.startswith("simulate_map_") else rule
        elif line.startswith(key) and rule:
            jobs.append((rule, line[len(key) :].strip()))
    return jobs


@pytest.fixture(scope="module")
def sweep_study(tmp_path_factory):
    """The tiny map only (2 x 2 points, NEST), run for real."""
    workdir = copy_workflow(tmp_path_factory.mktemp("sweep"))
    (workdir / "tiny.yaml").write_text(TINY.read_text())
    run_snakemake(
        workdir,
        "results/sweep/nest/points.tsv",
        "results/figures/sustained_activity_nest.png",
        "--configfile",
        "tiny.yaml",
    )
    return workdir


def test_axis_values():
    assert axis_values({"start": 0.0, "stop": 85.0, "num": 11})[6] == 51.0
    assert axis_values([8, 2.0, 2]) == [2.0, 8.0]
    assert len(axis_values({"start": 0, "stop": 8, "num": 11})) == 11


def test_default_map_covers_the_benchmark_point():
    cfg = yaml.safe_load((TINY.parents[2] / "config" / "config.yaml").read_text())["sweep"]
    g_exc, g_inh = axis_values(cfg["g_exc_nS"]), axis_values(cfg["g_inh_nS"])
    assert len(g_exc) >= 11 and len(g_inh) >= 11
    assert min(g_exc) == 0 and max(g_exc) >= 8 and min(g_inh) == 0 and max(g_inh) >= 80
    assert 4.0 in g_exc and 51.0 in g_inh and cfg["backends"] == ["brian2-standalone"] and len(cfg["seeds"]) >= 10


@pytest.mark.slow
def test_points_table_and_map(sweep_study):
    points = pd.read_csv(sweep_study / "results/sweep/nest/points.tsv", sep="\t")
    assert len(points) == 4
    for col in (
        "g_exc_nS",
        "g_inh_nS",
        "seed",
        "rate_exc_hz",
        "rate_inh_hz",
        "cv_exc",
        "spike_count_chi2",
        "sustained",
    ):
        assert col in points.columns
    verdict = {(r.g_exc_nS, r.g_inh_nS): bool(r.sustained) for r in points.itertuples()}
    assert verdict[(8.0, 80.0)] and verdict[(8.0, 40.0)]  # strong excitation keeps the tiny network going
    assert not verdict[(2.0, 80.0)] and not verdict[(2.0, 40.0)]  # weak excitation: it dies after the kick
    alive = points[points.sustained.astype(bool)]
    assert alive["rate_exc_hz"].between(5, 100).all() and alive["spike_count_chi2"].between(0, 1).all()
    assert (sweep_study / "results/sweep/runs").glob("*/nest/gexc~8.0_ginh~80.0/spikes.parquet")
    assert imread(sweep_study / "results/figures/sustained_activity_nest.png").shape[0] > 300
    assert (sweep_study / "results/figures/sustained_activity_nest.svg").stat().st_size > 1000


@pytest.mark.slow
def test_adding_points_or_seeds_runs_only_new_simulations(sweep_study):
    targets = {
        "sweep": {
            "backends": ["nest"],
            "g_exc_nS": [2.0, 8.0],
            "g_inh_nS": [40.0, 80.0],
            "seeds": [2],
            "t_stop_ms": 300.0,
            "benchmark_point": [8.0, 80.0],
        }
    }
    # nothing changed: no simulation, whatever the grouping of rows into jobs
    assert dry_run_jobs_verbose(sweep_study, targets, "sweep") == []
    per_row = {"sweep": dict(targets["sweep"], rows_per_job=1)}
    assert dry_run_jobs_verbose(sweep_study, per_row, "sweep") == []
    # one more g_exc value, one row per job: exactly the new row's simulations
    more = {"sweep": dict(per_row["sweep"], g_exc_nS=[2.0, 5.0, 8.0])}
    sims = [
        j for j in dry_run_jobs_verbose(sweep_study, more, outputs=True) if j[0] in ("simulate_map", "build_network")
    ]
    assert len(sims) == 1 and sims[0][0] == "simulate_map", sims
    assert "gexc~5.0_ginh~40.0" in sims[0][1] and "gexc~2.0" not in sims[0][1] and "gexc~8.0" not in sims[0][1], sims
    # one more seed (the whole grid in one job): its network and its map job, nothing of the existing seed
    seeds = {"sweep": dict(targets["sweep"], seeds=[2, 3])}
    sims = [j for j in dry_run_jobs_verbose(sweep_study, seeds) if j[0] in ("simulate_map", "build_network")]
    assert sorted(r for r, _ in sims) == ["build_network", "simulate_map"], sims
    assert all("seed3" in w for _, w in sims), sims


@pytest.mark.slow
def test_analysis_change_reruns_no_simulation(sweep_study):
    jobs = dry_run_jobs_verbose(sweep_study, {"analysis": {"t_start_ms": 150.0}}, "sweep")
    rules = {r for r, _ in jobs}
    assert "sweep_network_points" in rules and "sweep_points" in rules
    assert not rules & {"simulate_map", "build_network", "simulate"}, rules


@pytest.mark.slow
def test_network_change_reruns_everything_that_depends_on_it(sweep_study):
    jobs = dry_run_jobs_verbose(sweep_study, {"network": {"p_connect": 0.12}})
    map_jobs = [w for r, w in jobs if r == "simulate_map"]
    assert len(map_jobs) == 1 and len([r for r, _ in jobs if r == "build_network"]) == 1
    # the main study depends on it too: every backend x weight set is simulated again
    assert len([r for r, _ in jobs if r == "simulate"]) == 5 * 2  # the 5 default backends


def test_map_with_a_column_that_died_everywhere(tmp_path):
    """A g_exc column where no point sustained (all rates NaN) must still be drawn (grey)."""
    from vabench.figures.sustained import plot_sustained_map

    rows = [
        {
            "g_exc_nS": ge,
            "g_inh_nS": gi,
            "seed": s,
            "sustained": ge > 0,
            "rate_exc_hz": 10.0 + ge if ge > 0 else 0.5,
            "cv_exc": 1.0,
            "n_cells": 4000,
            "t_stop_ms": 1000.0,
        }
        for ge in (0.0, 4.0, 8.0)
        for gi in (0.0, 51.0, 85.0)
        for s in (1, 2)
    ]
    plot_sustained_map(pd.DataFrame(rows), tmp_path / "m.png", tmp_path / "m.svg", "nest", [4.0, 51.0])
    assert imread(tmp_path / "m.png").shape[0] > 300


@pytest.mark.slow
def test_map_checked_against_nest_at_its_edge(tmp_path):
    """A NEURON map of 5 seeds checked against NEST at its edge points and the benchmark point:
    NEST runs only those points, on the same seeds, one job per network; the table has a verdict
    per point and pooled. The benchmark point of seed 2 is a run of the study (same network,
    same t_stop): the check reads it instead of simulating it again."""
    workdir = copy_workflow(tmp_path / "check")
    cfg = yaml.safe_load(TINY.read_text())
    cfg["sweep"] = dict(
        cfg["sweep"], backends=["neuron"], seeds=[2, 3, 4, 5, 6], check={"backend": "nest", "n_points": 1}
    )
    (workdir / "tiny.yaml").write_text(yaml.safe_dump(cfg))
    jobs = [r for r, _ in dry_run_jobs_verbose(workdir, {}, "sweep")]
    assert jobs.count("simulate_check") == 5 and jobs.count("simulate") == 1, jobs  # the study's NEST run of seed 2
    run_snakemake(workdir, "sweep", "--configfile", "tiny.yaml")
    check = pd.read_csv(
        workdir / "results/sweep/check_neuron_vs_nest.tsv", sep="\t", dtype={"g_exc_nS": str, "g_inh_nS": str}
    )
    points = check[check["g_exc_nS"] != "all"]
    the_map = pd.read_csv(workdir / "results/sweep/neuron/points.tsv", sep="\t")
    chosen = edge_points(the_map, 1, [8.0, 80.0])  # the edge point, then the benchmark point if not the same
    assert (8.0, 80.0) in chosen
    assert {(float(x), float(y)) for x, y in zip(points["g_exc_nS"], points["g_inh_nS"])} == set(chosen)
    assert (points["n_pairs"] == 5).all()
    pooled = check[check["g_exc_nS"] == "all"].iloc[0]
    assert pooled["n_pairs"] == 5 * len(chosen)
    # NEURON and NEST agree on survival on the tiny network: never a resolved difference
    assert pooled["verdict"] != "different", check.to_string()
    nest_runs = list((workdir / "results/sweep/check/neuron_vs_nest").glob("*/*/run.json"))
    assert len(nest_runs) == 5 * len(chosen) - 1  # NEST ran the checked points x 5 seeds but one, nothing else
    assert not list((workdir / "results/sweep/check/neuron_vs_nest").glob("N500_seed2_*/gexc~8.0_ginh~80.0"))
    assert list((workdir / "results/runs").glob("N500_seed2_*/nest/gexc~8.0_ginh~80.0/spikes.parquet"))
