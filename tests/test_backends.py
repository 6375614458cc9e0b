"""Each backend simulates the same stored tiny network (one subprocess per run, through the
command line a simulator host would use)."""

import subprocess
import sys

import numpy as np
import pytest

from vabench.io import read_spikes

from conftest import TINY

BACKENDS = ["nest", "neuron", "brian2", "brian2-native"]


def vabench(*args):
    proc = subprocess.run(
        [sys.executable, "-m", "vabench", *map(str, args)], capture_output=True, text=True, timeout=900
    )
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
        vabench(
            "simulate",
            "--configfile",
            TINY,
            "--network",
            net,
            "--backend",
            backend,
            "--g-exc",
            8,
            "--g-inh",
            80,
            "--out-dir",
            run_dir,
        )
        vabench("extract", "--configfile", TINY, "--run-dir", run_dir)
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


def test_unknown_backend_is_refused_in_one_line(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "vabench",
            "simulate",
            "--network",
            tmp_path / "x.npz",
            "--backend",
            "nestt",
            "--g-exc",
            "4",
            "--g-inh",
            "51",
            "--out-dir",
            tmp_path / "run",
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert proc.stderr.strip().count("\n") == 0 and "nestt" in proc.stderr and "allowed values" in proc.stderr
    assert not (tmp_path / "run").exists()


NEURON_CONNECT = """
import json, sys
import numpy as np
from vabench.backends import RunSpec, get_engine
from vabench.backends.base import PyNNEngine
from vabench.config import load_config
from vabench.network import load_network
cfg = load_config(sys.argv[1]); cfg["simulation"]["t_stop_ms"] = 200.0
engine = get_engine("neuron")(RunSpec.from_params(cfg, None))
if sys.argv[3] == "pynn":  # PyNN's own FromListConnector
    engine.make_projection = lambda *a: PyNNEngine.make_projection(engine, *a)
net = load_network(sys.argv[2])
engine.build(net, 8.0, 80.0)
engine.run()
spikes = engine.spikes()
print(json.dumps({pop: [c.tolist(), t.tolist()] for pop, (c, t) in spikes.items()}))
"""


@pytest.mark.slow
def test_neuron_native_netcons_give_pyNNs_spikes(tiny_network):
    """The NEURON engine makes its NetCons itself, in the order of PyNN's FromListConnector: the
    spikes are PyNN's, to the last bit (chaos would show any other order within ~10 ms)."""
    import json

    out = {}
    for how in ("native", "pynn"):
        proc = subprocess.run(
            [sys.executable, "-c", NEURON_CONNECT, str(TINY), str(tiny_network), how],
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        out[how] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(out["native"]["exc"][1]) > 500
    assert out["native"] == out["pynn"]
