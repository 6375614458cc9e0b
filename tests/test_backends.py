"""Each backend simulates the same stored tiny network (one subprocess per run, through the
command line a simulator host would use)."""

import subprocess
import sys

import numpy as np
import pytest

from vabench.compare import agreement_table
from vabench.io import read_spikes
from vabench.stats import cell_table

from conftest import ROOT, TINY

BACKENDS = ["nest", "neuron", "brian2", "brian2-native"]


def vabench(*args):
    proc = subprocess.run([sys.executable, "-m", "vabench", *map(str, args)], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The tiny network at (8, 80) nS, dt 0.1 ms, on every backend."""
    tmp = tmp_path_factory.mktemp("backends")
    net = tmp / "network.npz"
    vabench("build-network", "--configfile", TINY, "--out", net)
    out = {}
    for backend in BACKENDS:
        run_dir = tmp / backend
        vabench("simulate", "--configfile", TINY, "--network", net, "--backend", backend,
                "--g-exc", 8, "--g-inh", 80, "--out-dir", run_dir)
        vabench("extract", "--run-dir", run_dir)
        vabench("stats", "--configfile", TINY, "--run-dir", run_dir)
        out[backend] = run_dir
    return out


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_backend_produces_sustained_spikes(runs, backend):
    spikes = read_spikes(runs[backend] / "spikes.parquet")
    assert len(spikes) > 1000
    rate = len(spikes) / 500 / 0.3
    assert 8 < rate < 45, rate  # tiny network at (8, 80) nS: ~25-35 Hz on every backend
    assert spikes["time_ms"].max() > 290  # still firing at the end


@pytest.mark.slow
def test_same_network_same_first_spikes(runs):
    """Same connections, initial v and input: the first spikes (before chaos) coincide."""
    first = {}
    for backend, run_dir in runs.items():
        sp = read_spikes(run_dir / "spikes.parquet")
        early = sp[sp["time_ms"] < 1.5]
        first[backend] = sorted(zip(early["population"].astype(str), early["cell"], np.round(early["time_ms"], 1)))
    assert len(first["nest"]) >= 3
    for backend in BACKENDS[1:]:
        cells_nest = {(p, c) for p, c, _ in first["nest"]}
        cells_other = {(p, c) for p, c, _ in first[backend]}
        assert len(cells_nest & cells_other) >= 0.8 * len(cells_nest), (backend, first)


@pytest.mark.slow
def test_backends_agree_at_dt_0_1(runs):
    n = {"exc": 400, "inh": 100}
    table = agreement_table(
        {(b, 8.0, 80.0): (cell_table(read_spikes(d / "spikes.parquet"), n, 300.0), True) for b, d in runs.items()},
        {"max_rate_rel_diff": 0.15, "max_ks_rate": 0.2, "max_ks_cv": 0.25},
    )
    nest_neuron = table[(table.backend_a == "nest") & (table.backend_b == "neuron")]
    assert (nest_neuron["verdict"] == "agree").all(), nest_neuron.to_string()
    # the model written directly in Brian2 (exponential Euler) agrees with NEST at dt 0.1 ms
    native = table[(table.backend_a == "nest") & (table.backend_b == "brian2-native")]
    assert (native["verdict"] == "agree").all(), native.to_string()
    assert (table["rate_rel_diff"] < 0.25).all(), table.to_string()


@pytest.mark.slow
def test_brian2_runs_away_at_dt_1ms_and_the_table_says_differ(tmp_path):
    """PyNN's Brian2 backend integrates with forward Euler: at dt 1 ms it fires far too fast."""
    cfg = tmp_path / "dt1.yaml"
    cfg.write_text(TINY.read_text() + "\n" + "simulation: {t_stop_ms: 300.0, dt_ms: 1.0, delay_ms: 2.0}\n")
    net = tmp_path / "network.npz"
    vabench("build-network", "--configfile", cfg, "--out", net)
    cells = {}
    for backend in ("nest", "brian2"):
        vabench("simulate", "--configfile", cfg, "--network", net, "--backend", backend, "--g-exc", 8, "--g-inh", 80,
                "--out-dir", tmp_path / backend)
        vabench("extract", "--run-dir", tmp_path / backend)
        cells[backend] = cell_table(read_spikes(tmp_path / backend / "spikes.parquet"), {"exc": 400, "inh": 100}, 300.0)
    rate = {b: c[c.population == "exc"]["rate_hz"].mean() for b, c in cells.items()}
    assert rate["brian2"] > 3 * rate["nest"], rate
    table = agreement_table({(b, 8.0, 80.0): (c, True) for b, c in cells.items()},
                            {"max_rate_rel_diff": 0.15, "max_ks_rate": 0.2, "max_ks_cv": 0.25})
    assert (table["verdict"] == "differ").all(), table.to_string()


def test_unknown_backend_is_refused_in_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "vabench", "simulate", "--network", tmp_path / "x.npz", "--backend", "nestt",
                           "--g-exc", "4", "--g-inh", "51", "--out-dir", tmp_path / "run"], capture_output=True, text=True)
    assert proc.returncode != 0
    assert proc.stderr.strip().count("\n") == 0 and "nestt" in proc.stderr and "allowed values" in proc.stderr
    assert not (tmp_path / "run").exists()
