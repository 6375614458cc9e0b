"""`make bench` on tiny networks, the fast NEST recording path, and Brian2's two code generators."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from vabench.bench import load_bench_config
from vabench.config import ConfigError

from conftest import ROOT

BENCH_TINY = ROOT / "tests" / "data" / "bench-tiny.yaml"
# the map part shrunk too (its default is N=4000, 1 s, 121 points); brian2-standalone compiles in it
TINY_MAP = {
    "n_cells": 500,
    "t_stop_ms": 100.0,
    "runs": [{"backend": "nest", "points": 2}, {"backend": "brian2-standalone", "points": 3}],
}


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    """bench-tiny.yaml with a tiny map part, every path relative (as `make bench` passes them)."""
    import yaml

    out = tmp_path_factory.mktemp("bench")
    (out / "bench.yaml").write_text(yaml.safe_dump({**yaml.safe_load(BENCH_TINY.read_text()), "map": TINY_MAP}))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "vabench.bench",
            "all",
            "--config",
            "bench.yaml",
            "--out",
            "bench",
            "--figure",
            "bench.png",
        ],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc


@pytest.mark.slow
def test_bench_table(bench):
    out, proc = bench
    table = pd.read_csv(out / "bench" / "bench.tsv", sep="\t")
    hh = table[table.model == "hh-coba"]
    assert set(zip(hh.backend, hh.threads, hh.n_cells)) == {("nest", 1, 200), ("nest", 2, 200)}
    assert (hh["rate_hz"] > 0).all() and "hh-coba" in proc.stdout
    table = table[table.model == "coba"]
    rows = set(zip(table.backend, table.threads, table.n_cells))
    assert rows == {("nest", 1, 200), ("nest", 2, 200), ("brian2-native", 1, 200), ("nest", 1, 500), ("nest", 2, 500)}
    assert (table.loc[table.n_cells == 200, "repeats"] == 2).all() and (
        table.loc[table.n_cells == 500, "repeats"] == 1
    ).all()
    for m in ("setup_s", "build_s", "run_s", "write_s", "job_s", "rtf", "peak_mb", "spikes_per_s"):
        assert (table[f"{m}_min"] <= table[m] + 1e-12).all() and (table[m] <= table[f"{m}_max"] + 1e-12).all(), m
        assert (table[m] > 0).all(), m
    # phases are timed inside the job, so they add up to less than the job's wall time
    assert (table[["setup_s", "build_s", "run_s", "write_s"]].sum(axis=1) < table["job_s"]).all()
    assert table["peak_mb"].between(100, 4000).all()
    repeats = pd.read_csv(out / "bench" / "repeats.tsv", sep="\t")
    repeats = repeats[repeats.model == "coba"]
    assert np.allclose(repeats["rtf"], repeats["run_s"] / (repeats["t_stop_ms"] / 1000.0))
    # stored input: NEST gives the same spikes on 1 and 2 threads, and every backend fires in the sustained band
    nest = repeats[repeats.backend == "nest"].groupby(["n_cells", "threads"])["n_spikes"].unique()
    assert nest.loc[(200, 1)].tolist() == nest.loc[(200, 2)].tolist() and len(nest.loc[(200, 1)]) == 1
    assert table["rate_hz"].between(5, 100).all(), table[["backend", "n_cells", "rate_hz"]]
    assert "spikes/s" in proc.stdout and "ratio" in proc.stdout  # the printed table


@pytest.mark.slow
def test_bench_overhead_and_figure(bench):
    out, _ = bench
    overhead = pd.read_csv(out / "bench" / "overhead.tsv", sep="\t")
    assert list(overhead.backend) == ["nest"]
    row = overhead.iloc[0]
    assert row.ratio == pytest.approx(row.job_s / row.bare_s, rel=1e-3)
    # our job loads the same stored network with native connections and fast writes: not slower than
    # the plain script (measured 0.5 here)
    assert row.ratio <= 1.15, overhead.to_string()
    assert row.snakemake_s >= row.job_s
    assert (out / "bench.png").stat().st_size > 20_000 and (out / "bench.svg").exists()
    info = json.loads((out / "bench" / "bench.json").read_text())
    assert info["config"]["repeats"] == 2 and "workflow_commit" in info and info["wall_s"] > 0


@pytest.mark.slow
def test_bench_map_throughput(bench):
    """One map job per engine of the map part, brian2-standalone compiling into its own cache
    under the relative --out (its binary was once looked up by that relative path: not found)."""
    out, proc = bench
    maps = pd.read_csv(out / "bench" / "map_throughput.tsv", sep="\t")
    assert list(maps.backend) == ["nest", "brian2-standalone"] and list(maps.points) == [2, 3]
    assert (maps.n_cells == 500).all() and (maps.wall_s > 0).all() and (maps.run_s_per_point > 0).all()
    assert maps.set_index("backend").loc["nest", "speed_vs_nest"] == pytest.approx(1.0)
    projects = list((out / "bench" / "map" / "brian2-standalone" / "standalone-cache").glob("*/main"))
    assert len(projects) == 1  # compiled once for the three points
    for p in range(3):
        record = json.loads((out / "bench" / "map" / "brian2-standalone" / f"p{p}" / "run.json").read_text())
        assert record["n_spikes"]["exc"] + record["n_spikes"]["inh"] > 0
    assert "map job" in proc.stdout and "map job" in (out / "bench" / "bench.txt").read_text()


@pytest.mark.parametrize("bad, message", [({"map": {"runs": []}}, "map.runs is empty"), ({"speed": 1}, "speed")])
def test_bench_map_throughput_config_errors(tmp_path, bad, message):
    import yaml

    (tmp_path / "bench.yaml").write_text(yaml.safe_dump(bad))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "vabench.bench",
            "map-throughput",
            "--config",
            str(tmp_path / "bench.yaml"),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "bad, key",
    [
        ({"repeats": 0}, "repeats"),
        ({"runs": [{"backend": "nestt"}]}, "runs.0.backend"),
        ({"networks": [{"n_cells": 100}]}, "networks.0"),
        ({"speed": 1}, "speed"),
    ],
)
def test_bench_config_errors(tmp_path, bad, key):
    import yaml

    path = tmp_path / "bench.yaml"
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(ConfigError) as err:
        load_bench_config(path)
    msg = str(err.value)
    assert key in msg and "\n" not in msg
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "vabench.bench", "all", "--config", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and key in proc.stderr and not out.exists()


def test_default_bench_config_is_valid():
    cfg = load_bench_config(ROOT / "config" / "bench.yaml")
    assert cfg["repeats"] >= 3
    assert {n["n_cells"] for n in cfg["networks"]} >= {1000, 4000, 10000}
    assert {(r["backend"], r["threads"]) for r in cfg["runs"]} >= {
        ("nest", 1),
        ("nest", 2),
        ("neuron", 1),
        ("brian2", 1),
        ("brian2-native", 1),
    }


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["nest", "neuron"])
def test_fast_recording_equals_get_data(tiny_config, tiny_network, backend):
    """The engine's arrays read straight from the simulator's recorders, as the Block the driver
    writes, equal PyNN's get_data(), spikes and traces."""
    from vabench.backends import RunSpec, get_engine
    from vabench.neo_export import block_from_arrays
    from vabench.network import load_network

    params = dict(
        tiny_config,
        simulation=dict(tiny_config["simulation"], dt_ms=0.1, delay_ms=0.2, t_stop_ms=150.0),
        record={"n_traced": 5},
    )
    engine = get_engine(backend)(RunSpec.from_params(params, None))
    net = load_network(tiny_network)
    engine.build(net, 8.0, 80.0)
    engine.run()
    try:
        spikes, traces, traced = engine.spikes(), engine.traces(), engine.traced(net)
        for pop in ("exc", "inh"):
            p = engine.model["populations"][pop]
            fast = block_from_arrays(
                pop, p.size, *spikes[pop], 150.0, traces[pop], traced[pop], engine.trace_dt_ms
            ).segments[0]
            ref = p.get_data().segments[0]
            assert len(fast.spiketrains) == len(ref.spiketrains) == p.size
            assert sum(len(st) for st in ref.spiketrains) > 0
            for a, b in zip(fast.spiketrains, ref.spiketrains):
                assert a.annotations["source_index"] == b.annotations["source_index"]
                assert np.array_equal(a.magnitude, b.magnitude)
                assert float(a.t_stop) == pytest.approx(float(b.t_stop)) and float(a.t_start) == pytest.approx(
                    float(b.t_start)
                )
            ref_signals = {s.name: s for s in ref.analogsignals}
            assert {s.name for s in fast.analogsignals} == set(ref_signals) == {"v", "gsyn_exc", "gsyn_inh"}
            for s in fast.analogsignals:
                r = ref_signals[s.name]
                assert s.shape == r.shape == (1501, 5) and s.units == r.units and s.sampling_period == r.sampling_period
                assert np.array_equal(s.magnitude, r.magnitude), s.name
    finally:
        engine.close()


@pytest.mark.slow
def test_brian2_native_cython_and_numpy_agree(tiny_config, tiny_network, tmp_path):
    """Both code generators run the same equations: the same network dynamics."""
    from vabench.config import validate_config
    from vabench.simulate import simulate

    infos = {}
    for target in ("cython", "numpy"):
        cfg = validate_config({**{k: v for k, v in tiny_config.items()}, "brian2": {"codegen_target": target}})
        infos[target] = simulate(tiny_network, "brian2-native", 8.0, 80.0, cfg, tmp_path / target)
    counts = {t: sum(i["n_spikes"].values()) for t, i in infos.items()}
    assert counts["cython"] > 1000
    assert abs(counts["cython"] - counts["numpy"]) / counts["numpy"] < 0.05, counts
