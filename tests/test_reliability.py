"""Determinism (same input, same spikes), crash safety (kill -9 mid-run, rerun, same tables)
and provenance."""

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import yaml

from vabench.io import read_spikes

from conftest import TINY, copy_workflow

TIMING_COLUMNS = ["setup_s", "build_s", "run_s", "read_s", "write_s", "peak_memory_mb"]


def vabench(*args):
    proc = subprocess.run(
        [sys.executable, "-m", "vabench", *map(str, args)], capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.fixture(scope="module")
def short_config(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("determinism")
    cfg = yaml.safe_load(TINY.read_text())
    cfg["simulation"]["t_stop_ms"] = 150.0
    path = tmp / "short.yaml"
    path.write_text(yaml.safe_dump(cfg))
    vabench("build-network", "--configfile", path, "--out", tmp / "network.npz")
    return tmp, path


def simulate(tmp, cfg_path, backend, name, threads=1):
    cfg = yaml.safe_load(cfg_path.read_text())
    cfg["simulation"]["threads"] = threads
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    out = tmp / name
    vabench(
        "simulate",
        "--configfile",
        path,
        "--network",
        tmp / "network.npz",
        "--backend",
        backend,
        "--g-exc",
        8,
        "--g-inh",
        80,
        "--out-dir",
        out,
    )
    return read_spikes(out / "spikes.parquet")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["nest", "neuron", "brian2", "brian2-native"])
def test_same_input_same_spikes_run_to_run(short_config, backend):
    tmp, cfg = short_config
    first, second = simulate(tmp, cfg, backend, f"{backend}-a"), simulate(tmp, cfg, backend, f"{backend}-b")
    assert len(first) > 100
    pd.testing.assert_frame_equal(first, second)


@pytest.mark.slow
def test_nest_same_spikes_on_one_and_two_threads(short_config):
    tmp, cfg = short_config
    pd.testing.assert_frame_equal(
        simulate(tmp, cfg, "nest", "nest-t1", threads=1), simulate(tmp, cfg, "nest", "nest-t2", threads=2)
    )


def _tables(workdir):
    summary = pd.read_csv(workdir / "results/stats/summary.tsv", sep="\t").drop(columns=TIMING_COLUMNS)
    agreement = pd.read_csv(workdir / "results/stats/agreement.tsv", sep="\t")
    return summary, agreement


@pytest.mark.slow
def test_kill_minus_9_then_rerun_gives_the_uninterrupted_tables(tmp_path_factory):
    cfg = yaml.safe_load(TINY.read_text())
    cfg.update({"sweep": {"backends": []}, "backends": ["nest", "neuron"]})
    cfg["simulation"]["t_stop_ms"] = 200.0
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", "--rerun-incomplete", "--configfile", "study.yaml"]

    clean = copy_workflow(tmp_path_factory.mktemp("uninterrupted"))
    (clean / "study.yaml").write_text(yaml.safe_dump(cfg))
    subprocess.run(cmd, cwd=clean, check=True, capture_output=True, timeout=1200)

    crashed = copy_workflow(tmp_path_factory.mktemp("crashed"))
    (crashed / "study.yaml").write_text(yaml.safe_dump(cfg))
    proc = subprocess.Popen(
        cmd, cwd=crashed, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.time() + 600
    while time.time() < deadline and not list((crashed / "results/runs").glob("*/*/*/run.json")):
        time.sleep(0.2)
    assert proc.poll() is None, "the workflow finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the whole process group: snakemake and its running jobs
    proc.wait()
    assert not (crashed / "results/stats/summary.tsv").exists()
    # whatever is on disk is whole: every spike table that exists can be read
    for path in (crashed / "results/runs").rglob("spikes.parquet"):
        read_spikes(path)

    # what `make resume` does: drop the stale lock, rerun (incomplete jobs are run again)
    subprocess.run(cmd + ["--unlock"], cwd=crashed, check=True, capture_output=True, timeout=300)
    rerun = subprocess.run(cmd, cwd=crashed, capture_output=True, text=True, timeout=1200)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    for a, b in zip(_tables(crashed), _tables(clean)):
        pd.testing.assert_frame_equal(a, b)


@pytest.mark.slow
def test_provenance_table_and_run_records(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("provenance"))
    cfg = yaml.safe_load(TINY.read_text())
    cfg.update(
        {
            "backends": ["nest"],
            "weights": [{"g_exc_nS": 8.0, "g_inh_nS": 80.0}],
            "sweep": {"backends": ["nest"], "g_exc_nS": [8.0], "g_inh_nS": [80.0], "seeds": [2], "t_stop_ms": 150.0},
        }
    )
    cfg["simulation"]["t_stop_ms"] = 150.0
    (workdir / "study.yaml").write_text(yaml.safe_dump(cfg))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--cores",
            "2",
            "results/stats/provenance.tsv",
            "results/config.yaml",
            "--configfile",
            "study.yaml",
        ],
        cwd=workdir,
        check=True,
        capture_output=True,
        timeout=900,
    )
    prov = pd.read_csv(workdir / "results/stats/provenance.tsv", sep="\t")
    assert list(prov["run"]) == ["study", "map point"]  # one row per run, the map's included
    row = prov.iloc[0]
    assert row["version_nest-simulator"] == "3.10.0" and row["version_PyNN"] == "0.13.0" and row["seed"] == 2
    assert row["started_utc"] < row["finished_utc"] and row["host"] and len(row["config_sha256"]) == 64
    assert row["workflow_commit"]  # a commit, "unknown" outside git
    resolved = (workdir / "results/config.yaml").read_text()
    assert f"# config_sha256: {row['config_sha256']}" in resolved and "# reused_runs: none" in resolved
    assert yaml.safe_load(resolved)["network"]["n_cells"] == 500
    import json

    run = json.loads(next((workdir / "results/runs").glob("*/nest/*/run.json")).read_text())
    assert run["config_sha256"] == row["config_sha256"] and run["config"]["network"]["n_cells"] == 500
    assert run["versions"]["nest-simulator"] == "3.10.0" and run["host"] and run["started_utc"] < run["finished_utc"]
    assert row["study_config_sha256"] == row["config_sha256"] and not prov["reused"].any()

    # an analysis-only change reruns no simulation: the table says the runs came from the earlier config
    cfg["compare"] = {"rate_margin_rel": 0.2}
    (workdir / "study.yaml").write_text(yaml.safe_dump(cfg))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--cores",
            "2",
            "results/stats/provenance.tsv",
            "results/config.yaml",
            "--configfile",
            "study.yaml",
        ],
        cwd=workdir,
        check=True,
        capture_output=True,
        timeout=900,
    )
    again = pd.read_csv(workdir / "results/stats/provenance.tsv", sep="\t")
    assert (again["config_sha256"] == row["config_sha256"]).all() and again["reused"].all()
    assert (again["study_config_sha256"] != row["config_sha256"]).all()
    resolved = (workdir / "results/config.yaml").read_text()
    assert f"# config_sha256: {again['study_config_sha256'].iloc[0]}" in resolved
    # results/config.yaml (and so the report) names the reused runs and the configuration they came from
    assert "# reused_runs: 2 of 2 runs were made under an earlier configuration" in resolved
    assert f"made with config_sha256 {row['config_sha256']}" in resolved
    # every run record, study and map, has the same fields (the driver's)
    from vabench.simulate import RECORD_FIELDS

    for path in list((workdir / "results/runs").glob("*/nest/*/run.json")) + list(
        (workdir / "results/sweep/runs").glob("*/nest/*/run.json")
    ):
        assert set(json.loads(path.read_text())) == set(RECORD_FIELDS) | {"config", "config_sha256"}, path
