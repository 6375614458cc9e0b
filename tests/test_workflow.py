"""The whole workflow on the tiny config, in a temporary copy of the project, as a user runs it."""

import json
import os

import pandas as pd
import pytest
from matplotlib.image import imread

from conftest import TINY, copy_workflow, run_snakemake

BACKENDS = {"nest", "neuron", "brian2", "brian2-native"}


@pytest.fixture(scope="module")
def tiny_study(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("study"))
    (workdir / "tiny.yaml").write_text(TINY.read_text())
    run_snakemake(workdir, "--configfile", "tiny.yaml")
    return workdir


def dry_run_jobs(workdir, *args):
    """Rules a dry run would execute, as {rule: count}."""
    proc = run_snakemake(workdir, "-n", "--quiet", "rules", *args)
    jobs = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit() and parts[0] not in ("job", "total"):
            jobs[parts[0]] = int(parts[1])
    return jobs


@pytest.mark.slow
def test_summary_table(tiny_study):
    summary = pd.read_csv(tiny_study / "results/stats/summary.tsv", sep="\t")
    for col in ("backend", "g_exc_nS", "g_inh_nS", "population", "rate_hz", "cv_isi", "sustained"):
        assert col in summary.columns
    assert len(summary) == 4 * 2 * 2  # backends x weight sets x populations
    assert set(summary["backend"]) == BACKENDS
    alive = summary[(summary.g_exc_nS == 8.0) & (summary.g_inh_nS == 80.0)]
    dead = summary[(summary.g_exc_nS == 2.0) & (summary.g_inh_nS == 80.0)]
    assert alive["sustained"].all(), alive.to_string()
    assert alive["rate_hz"].between(10, 60).all(), alive.to_string()
    assert alive["cv_isi"].between(0.3, 2.0).all(), alive.to_string()
    assert not dead["sustained"].any(), dead.to_string()
    assert (dead["closing_rate_hz"] == 0).all()


@pytest.mark.slow
def test_agreement_table(tiny_study):
    table = pd.read_csv(tiny_study / "results/stats/agreement.tsv", sep="\t")
    assert len(table) == 6 * 2 * 2  # backend pairs x weight sets x populations
    assert set(table["verdict"]) <= {"agree", "differ"}
    nest_neuron = table[(table.backend_a == "nest") & (table.backend_b == "neuron")]
    assert (nest_neuron["verdict"] == "agree").all(), nest_neuron.to_string()


@pytest.mark.slow
def test_run_record_and_figures(tiny_study):
    runs = list((tiny_study / "results/runs").glob("N500_seed2_*/*/gexc~8.0_ginh~80.0/run.json"))
    assert {r.parent.parent.name for r in runs} == BACKENDS
    info = json.loads(runs[0].read_text())
    for key in ("setup_s", "build_s", "run_s", "write_s"):
        assert info["timings_s"][key] >= 0
    assert info["peak_memory_mb"] > 0 and info["versions"]["PyNN"] == "0.13.0" and info["seed"] == 2
    for name in ("fig24_backends", "state_histograms", "fig24_backends_gexc~8.0_ginh~80.0", "fig24_backends_gexc~2.0_ginh~80.0"):
        png = tiny_study / "results/figures" / f"{name}.png"
        assert imread(png).shape[0] > 300
        assert (tiny_study / "results/figures" / f"{name}.svg").stat().st_size > 1000
    assert not list((tiny_study / "results").rglob(".*.tmp*")), "temporary files left behind"


@pytest.mark.slow
def test_rerun_does_nothing_and_analysis_change_reruns_no_simulation(tiny_study):
    assert dry_run_jobs(tiny_study, "--configfile", "tiny.yaml") == {}
    changed = tiny_study / "tiny_window.yaml"
    changed.write_text(TINY.read_text() + "\nanalysis: {sustained_window_ms: 50.0}\n")
    jobs = dry_run_jobs(tiny_study, "--configfile", "tiny_window.yaml")
    assert "simulate" not in jobs and "build_network" not in jobs and "extract" not in jobs, jobs
    assert jobs.get("run_statistics") == 4 * 2, jobs  # backends x weight sets


@pytest.mark.slow
def test_damaged_spike_table_is_named(tiny_study):
    from vabench.analysis import run_statistics
    from vabench.io import DamagedFileError

    run_dir = next((tiny_study / "results/runs").glob("*/nest/gexc~8.0_ginh~80.0"))
    broken = tiny_study / "broken.parquet"
    broken.write_bytes((run_dir / "spikes.parquet").read_bytes()[:100])
    with pytest.raises(DamagedFileError, match="broken.parquet.*rebuild it with: snakemake"):
        run_statistics(broken, run_dir / "run.json", {"sustained_window_ms": 100.0, "sustained_min_rate_hz": 1.0,
                                                       "min_spikes_cv": 3}, tiny_study / "c.tsv", tiny_study / "s.tsv")
    assert not (tiny_study / "c.tsv").exists()


@pytest.mark.slow
def test_spectra_outputs(tiny_study):
    spectra = pd.read_csv(tiny_study / "results/stats/spectra.tsv", sep="\t")
    assert set(spectra["backend"]) == BACKENDS
    assert set(spectra["signal"]) == {"exc_rate", "inh_rate", "lfp_proxy"}
    alive = spectra[(spectra.g_exc_nS == 8.0) & (spectra.signal == "exc_rate")]
    assert alive["exponent"].notna().all(), alive.to_string()
    dead = spectra[(spectra.g_exc_nS == 2.0) & (spectra.signal == "exc_rate")]
    assert dead["exponent"].isna().all() and (dead["note"] == "constant signal").all()
    assert imread(tiny_study / "results/figures/spectra.png").shape[0] > 300


@pytest.mark.slow
def test_report_contains_every_figure_and_table(tiny_study):
    run_snakemake(tiny_study, "--configfile", "tiny.yaml", "--report", "results/report.html")
    html = (tiny_study / "results/report.html").read_text()
    for name in ("fig24_backends_gexc~8.0_ginh~80.0.png", "fig24_backends_gexc~2.0_ginh~80.0.png", "state_histograms.png",
                 "spectra.png", "summary.tsv", "agreement.tsv", "spectra.tsv", "config.yaml"):
        assert name in html, name
    assert html.count("base64,iVBORw0KGgo") >= 4  # PNGs embedded as data URIs: the page is self-contained
