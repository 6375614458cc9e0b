"""brian2-standalone: brian2-native's model compiled once (Brian2 cpp_standalone) and rerun per
weight set. Same spikes as brian2-native, exact reweighting, a project cache shared by
processes (built once, even by two jobs at once), replicates on the parent's binary.

The tiny network (500 cells, 300 ms) compiles once for the module (~10-30 s), into a cache
of the test's own.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from vabench.backends.base import RunSpec
from vabench.backends.brian2standalone_backend import CACHE_ENV, MANIFEST, Brian2StandaloneEngine
from vabench.config import network_params
from vabench.network import build_network, load_network

from conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    path = tmp_path_factory.mktemp("b2sa-cache")
    old = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(path)
    yield path
    if old is None:
        os.environ.pop(CACHE_ENV, None)
    else:
        os.environ[CACHE_ENV] = old


@pytest.fixture(scope="module")
def net(tiny_network):
    return load_network(tiny_network)


@pytest.fixture(scope="module")
def first(cache, tiny_config, net, tmp_path_factory):
    """The tiny network at (8, 80) nS: the first engine on an empty cache compiles."""
    engine = Brian2StandaloneEngine(tiny_config, work_dir=tmp_path_factory.mktemp("b2sa-work"))
    engine.build(net, 8.0, 80.0)
    engine.run()
    out = {"info": engine.info(), "spikes": engine.spikes(), "traces": engine.traces()}
    engine.close()
    return out


def native(config, net, g_exc, g_inh):
    from vabench.backends.brian2native_backend import Brian2NativeEngine

    cfg = json.loads(json.dumps(config))
    cfg["brian2"]["codegen_target"] = "numpy"  # no Cython compile in the test; same spikes as Cython here
    engine = Brian2NativeEngine(RunSpec.from_params(cfg, "brian2"))
    engine.build(net, g_exc, g_inh)
    engine.run()
    return engine.spikes(), engine.traces()


def assert_same_spikes(a, b):
    for pop in ("exc", "inh"):
        np.testing.assert_array_equal(a[pop][0], b[pop][0])
        np.testing.assert_array_equal(a[pop][1], b[pop][1])


def test_first_build_compiles_into_the_cache(first, cache):
    info = first["info"]
    assert info["cached"] is False and info["compile_s"] > 0
    assert (cache / info["project_key"] / MANIFEST).is_file()
    assert not list(cache.glob(".build-*"))  # the temporary build directory was renamed into place
    n_exc = len(first["spikes"]["exc"][0])
    assert n_exc / 400 / 0.3 > 8  # sustained at (8, 80) nS
    assert first["spikes"]["exc"][0].dtype == np.int32 and first["spikes"]["exc"][1].dtype == np.float64


def test_same_spikes_and_traces_as_brian2_native(first, tiny_config, net):
    """Same network, weights and input: every spike identical (not only the first 10 ms)."""
    spikes, traces = native(tiny_config, net, 8.0, 80.0)
    assert_same_spikes(first["spikes"], spikes)
    for pop in ("exc", "inh"):
        for var in ("v", "gsyn_exc", "gsyn_inh"):
            assert first["traces"][pop][var].shape == traces[pop][var].shape == (3000, 5)
            np.testing.assert_allclose(first["traces"][pop][var], traces[pop][var], rtol=0, atol=1e-9)


def test_relative_cache_and_work_dir(first, cache, tiny_config, net, tmp_path, monkeypatch):
    """A relative $VABENCH_STANDALONE_CACHE and work dir (as `make bench` set them): the engine
    holds them as absolute paths, so the binary, run from its project folder, is found."""
    monkeypatch.chdir(cache.parent)
    monkeypatch.setenv(CACHE_ENV, cache.name)  # the module's cache: no second compile
    engine = Brian2StandaloneEngine(tiny_config, work_dir=os.path.relpath(tmp_path, cache.parent))
    engine.build(net, 8.0, 80.0)
    engine.run()
    info = engine.info()
    assert info["cached"] is True and Path(info["project_dir"]) == cache.resolve() / info["project_key"]
    assert_same_spikes(engine.spikes(), first["spikes"])
    engine.close()
    assert not list(tmp_path.iterdir())  # the run files went into the work dir, and are gone


def test_reweight_is_a_fresh_run(first, tiny_config, net, tmp_path):
    engine = Brian2StandaloneEngine(tiny_config, work_dir=tmp_path)
    engine.build(net, 2.0, 80.0)
    assert engine.info()["cached"] is True and engine.info()["compile_s"] == 0
    engine.run()
    dies = engine.spikes()
    engine.reweight(8.0, 80.0)
    engine.run()
    assert_same_spikes(engine.spikes(), first["spikes"])
    assert len(dies["exc"][0]) < len(first["spikes"]["exc"][0])  # another weight set, another run
    engine.close()
    assert not list(tmp_path.iterdir())  # run files are gone; the project stays in the cache


def test_engine_interface_loop(first, tiny_config, net):
    """Engine.simulate (the driver's loop): build once, then reweight."""
    engine = Brian2StandaloneEngine(RunSpec.from_params(tiny_config, "brian2"))
    results = list(engine.simulate(net, [(2.0, 80.0), (8.0, 80.0)]))
    engine.close()
    assert_same_spikes(results[1].spikes, first["spikes"])
    assert results[1].trace_dt_ms == 0.1 and list(results[1].traced["exc"]) == list(range(5))


def test_another_process_reuses_the_project(first, tiny_network, tmp_path):
    """A second process runs the cached binary: no compile, same spikes."""
    script = textwrap.dedent(f"""
        import json, sys
        import numpy as np
        from vabench.config import load_config
        from vabench.network import load_network
        from vabench.backends.brian2standalone_backend import Brian2StandaloneEngine
        cfg = load_config({str(ROOT / "config" / "config.yaml")!r}, {str(ROOT / "tests" / "data" / "tiny.yaml")!r})
        e = Brian2StandaloneEngine(cfg)
        e.build(load_network({str(tiny_network)!r}), 8.0, 80.0)
        e.run()
        np.savez({str(tmp_path / "spikes.npz")!r}, **{{p + k: a for p, (c, t) in e.spikes().items() for k, a in (("c", c), ("t", t))}})
        print(json.dumps({{"cached": e.info()["cached"], "compile_s": e.info()["compile_s"], "brian2": "brian2" in sys.modules}}))
        e.close()
    """)
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT / "workflow")},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out == {"cached": True, "compile_s": 0, "brian2": False}  # no compile, and no Brian2 import either
    z = np.load(tmp_path / "spikes.npz")
    assert_same_spikes({p: (z[p + "c"], z[p + "t"]) for p in ("exc", "inh")}, first["spikes"])


def test_replicate_runs_on_the_parents_binary(first, tiny_config, net):
    """One input spike moved by one dt: the same project, and brian2-native's spikes."""
    replicate = build_network(network_params(tiny_config, replicate=1))
    replicate["params"] = json.loads(str(replicate.pop("params_json")))
    assert np.sum(replicate["thalamic_time_ms"] != net["thalamic_time_ms"]) == 1
    engine = Brian2StandaloneEngine(tiny_config)
    engine.build(replicate, 8.0, 80.0)
    assert engine.info()["cached"] is True and engine.info()["project_key"] == first["info"]["project_key"]
    engine.run()
    spikes, _ = native(tiny_config, replicate, 8.0, 80.0)
    assert_same_spikes(engine.spikes(), spikes)
    engine.close()


def test_shorter_run_is_the_compiled_run_cut(first, tiny_config, net):
    engine = Brian2StandaloneEngine(tiny_config)
    engine.build(net, 8.0, 80.0)
    engine.run(100.0)
    for pop in ("exc", "inh"):
        cells, times = first["spikes"][pop]
        np.testing.assert_array_equal(engine.spikes()[pop][1], times[times < 100.0 - 1e-9])
        np.testing.assert_array_equal(engine.spikes()[pop][0], cells[times < 100.0 - 1e-9])
        assert engine.traces()[pop]["v"].shape == (1000, 5)
    with pytest.raises(ValueError, match="compiled for 300.0 ms"):
        engine.run(400.0)
    engine.close()


def test_two_jobs_at_once_build_once(tmp_path, tiny_config):
    """Two processes on an empty cache: one compiles, the other waits for it and reuses it."""
    cfg = json.loads(json.dumps(tiny_config))
    cfg["network"].update(n_cells=60, p_connect=0.1)
    cfg["simulation"]["t_stop_ms"] = 20.0
    small = build_network(network_params(cfg))
    small["params"] = json.loads(str(small["params_json"]))
    net_file = tmp_path / "small.npz"
    np.savez(net_file, **{k: v for k, v in small.items() if k not in ("params", "params_json", "perturbation_json")})
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    (tmp_path / "params.json").write_text(json.dumps(small["params"]))
    script = textwrap.dedent(f"""
        import json
        import numpy as np
        from vabench.backends.brian2standalone_backend import Brian2StandaloneEngine
        cfg = json.load(open({str(tmp_path / "cfg.json")!r}))
        with np.load({str(net_file)!r}) as z:
            net = {{k: z[k] for k in z.files}}
        net["params"] = json.load(open({str(tmp_path / "params.json")!r}))
        e = Brian2StandaloneEngine(cfg)
        e.build(net, 4.0, 51.0)
        e.run()
        print(json.dumps({{"cached": e.info()["cached"], "n": int(sum(len(t) for _, t in e.spikes().values()))}}))
        e.close()
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "workflow"), CACHE_ENV: str(tmp_path / "cache")}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        for _ in range(2)
    ]
    outs = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=600)
        assert p.returncode == 0, stderr[-3000:]
        outs.append(json.loads(stdout.strip().splitlines()[-1]))
    assert sorted(o["cached"] for o in outs) == [False, True]
    assert outs[0]["n"] == outs[1]["n"]
    projects = [p for p in (tmp_path / "cache").iterdir() if p.is_dir()]
    assert len(projects) == 1 and (projects[0] / MANIFEST).is_file()


def test_make_puts_ccache_in_front_of_the_compiler_where_installed(monkeypatch):
    """Brian2 runs make in a shell: the compiler with ccache in front is one quoted word."""
    from vabench.backends import brian2standalone_backend as b2sa

    monkeypatch.setattr(b2sa.shutil, "which", lambda name: "/usr/bin/ccache" if name == "ccache" else None)
    monkeypatch.delenv("CXX", raising=False)
    assert b2sa.make_args()[1:] == ["CXX='ccache g++'"]
    monkeypatch.setenv(b2sa.CCACHE_ENV, "0")
    assert b2sa.make_args()[1:] == []
    monkeypatch.delenv(b2sa.CCACHE_ENV)
    monkeypatch.setattr(b2sa.shutil, "which", lambda name: None)
    assert b2sa.make_args()[1:] == []
