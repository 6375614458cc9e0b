"""Build the COBA network in PyNN from a stored network file, run it, and write the recording.

The same code runs on every backend: only :mod:`vabench.backends` differs. Outputs of one
run (one backend x one weight set), all written atomically:

- ``exc.neo.pkl``, ``inh.neo.pkl``: neo Blocks (PyNN's ``get_data()``), spikes of every
  cell, v / gsyn_exc / gsyn_inh of the first ``record.n_traced`` cells;
- ``run.json``: timings (setup, build, run, write, seconds), peak memory, versions,
  seed, weights, network and the parameters used.
"""

from __future__ import annotations

import datetime as _dt
import logging
import platform
import resource
import time
from pathlib import Path

import numpy as np

from vabench.backends import get_backend
from vabench.config import config_hash
from vabench.io import atomic_path, write_json
from vabench.network import load_network, split_projections, thalamic_spike_trains
from vabench.provenance import git_commit

log = logging.getLogger(__name__)

RECEPTOR = {"e2e": "excitatory", "e2i": "excitatory", "i2e": "inhibitory", "i2i": "inhibitory",
            "ext2e": "excitatory", "ext2i": "excitatory"}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def build_model(sim, backend, net: dict, cell: dict, g_exc_nS: float, g_inh_nS: float, weight_thal_nS: float,
                delay_ms: float, n_traced: int) -> dict:
    """Create populations and projections; return them by name."""
    cell_type = sim.IF_cond_exp(**cell, i_offset=0.0)
    pops = {
        "exc": sim.Population(net["n_exc"], cell_type, label="exc"),
        "inh": sim.Population(net["n_inh"], cell_type, label="inh"),
    }
    pops["exc"].initialize(v=net["v_init_mV"][: net["n_exc"]])
    pops["inh"].initialize(v=net["v_init_mV"][net["n_exc"]:])
    # sPyNNaker has no Sequence type and takes one list of times per source
    as_train = getattr(sim, "Sequence", lambda t: [float(x) for x in t])
    trains = [as_train(t) for t in thalamic_spike_trains(net)]
    pops["thalamus"] = sim.Population(net["n_thalamic"], sim.SpikeSourceArray(spike_times=trains), label="thalamus")

    weights_uS = {"e": g_exc_nS * 1e-3, "i": g_inh_nS * 1e-3, "ext": weight_thal_nS * 1e-3}
    source = {"e": pops["exc"], "i": pops["inh"], "ext": pops["thalamus"]}
    target = {"e": pops["exc"], "i": pops["inh"]}
    projections = {}
    for name, (pre, post) in split_projections(net).items():
        src_key, tgt_key = name.split("2")
        projections[name] = backend.make_projection(sim, source[src_key], target[tgt_key], pre, post,
                                                    weights_uS[src_key], delay_ms, RECEPTOR[name], name)

    for pop in ("exc", "inh"):
        pops[pop].record("spikes")
        k = min(n_traced, pops[pop].size)
        if k:
            pops[pop][0:k].record(["v", "gsyn_exc", "gsyn_inh"])
    return {"populations": pops, "projections": projections}


def simulate(network_path, backend: str, g_exc_nS: float, g_inh_nS: float, params: dict, out_dir, work_dir=None,
             provenance: dict | None = None) -> dict:
    """Simulate one weight set on one backend; write the recording and ``run.json`` into ``out_dir``.

    ``params`` is the validated config (only ``cell``, ``stimulus``, ``simulation`` and
    ``record`` are used, and ``spinnaker`` on SpiNNaker, whose cfg and reports go into
    ``work_dir``).
    """
    if backend == "brian2-native":  # not PyNN: the model written directly in Brian2
        from vabench.backends.brian2native_backend import simulate as simulate_native

        return simulate_native(network_path, g_exc_nS, g_inh_nS, params, out_dir, provenance)
    out_dir = Path(out_dir)
    started = _dt.datetime.now(_dt.timezone.utc)
    sim_cfg = params["simulation"]
    timings = {}

    t0 = time.perf_counter()
    mod = get_backend(backend)
    if hasattr(mod, "prepare"):
        mod.prepare(work_dir or out_dir / f"{backend}-work", params[backend])
    sim = mod.import_sim()
    net = load_network(network_path)
    seed = int(net["params"]["network"]["seed"])
    mod.setup(sim, sim_cfg["dt_ms"], sim_cfg["delay_ms"], sim_cfg["threads"], seed)
    timings["setup_s"] = time.perf_counter() - t0
    log.info("%s: set up (dt %.3g ms, delay %.3g ms) in %.1f s", backend, sim_cfg["dt_ms"], sim_cfg["delay_ms"], timings["setup_s"])

    t0 = time.perf_counter()
    model = build_model(sim, mod, net, params["cell"], g_exc_nS, g_inh_nS, params["stimulus"]["weight_nS"],
                        sim_cfg["delay_ms"], params["record"]["n_traced"])
    n_syn = len(net["pre"]) + len(net["thalamic_pre"])  # sPyNNaker has no Projection.size()
    timings["build_s"] = time.perf_counter() - t0
    log.info("%s: built %d + %d cells, %d synapses (g_exc %g nS, g_inh %g nS) in %.1f s", backend,
             net["n_exc"], net["n_inh"], n_syn, g_exc_nS, g_inh_nS, timings["build_s"])

    t0 = time.perf_counter()
    log.info("%s: running %g ms", backend, sim_cfg["t_stop_ms"])
    sim.run(sim_cfg["t_stop_ms"])
    timings["run_s"] = time.perf_counter() - t0
    log.info("%s: ran %g ms in %.1f s", backend, sim_cfg["t_stop_ms"], timings["run_s"])

    t0 = time.perf_counter()
    import neo

    n_spikes = {}
    for pop in ("exc", "inh"):
        population = model["populations"][pop]
        if hasattr(mod, "recorded_block"):  # straight from the recorders: same Block, seconds faster
            block = mod.recorded_block(population, params["record"]["n_traced"], sim_cfg["t_stop_ms"])
        else:
            block = population.get_data()
        n_spikes[pop] = int(sum(len(st) for st in block.segments[0].spiketrains))
        with atomic_path(out_dir / f"{pop}.neo.pkl") as tmp:
            neo.io.PickleIO(str(tmp)).write_block(block)
        del block  # one population's recording in memory at a time (peak memory at N=10,000)
    timings["write_s"] = time.perf_counter() - t0
    extra = mod.run_info() if hasattr(mod, "run_info") else {}
    log.info("%s: wrote recordings in %.1f s (%d exc, %d inh spikes)", backend, timings["write_s"], n_spikes["exc"], n_spikes["inh"])
    sim.end()

    info = {
        "backend": backend,
        "g_exc_nS": float(g_exc_nS),
        "g_inh_nS": float(g_inh_nS),
        "network_file": str(network_path),
        "network_params": net["params"],
        "seed": seed,
        "n_synapses": int(n_syn),
        "n_spikes": n_spikes,
        "timings_s": timings,
        "peak_memory_mb": _peak_rss_mb(),
        "versions": mod.versions(),
        "python": platform.python_version(),
        "host": platform.node(),
        "started_utc": started.isoformat(),
        "finished_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(),
        "params": {k: params[k] for k in ("cell", "stimulus", "simulation", "record")},
        "params_hash": config_hash({k: params[k] for k in ("cell", "stimulus", "simulation", "record")}),
        "virtual_run": False,
        "workflow_commit": git_commit(),
    }
    info.update(extra)
    info.update(provenance or {})
    if info["virtual_run"]:
        log.warning("%s: virtual run: the board was mapped but nothing ran, so every recording is empty", backend)
    write_json(out_dir / "run.json", info)
    return info
