"""The same COBA model written directly in Brian2 (backend ``brian2-native``), without PyNN.

Why: PyNN's Brian2 backend fixes forward Euler (it runs away at dt 1 ms) and its set-up is
PyNN-bound. Here the IF_cond_exp equations are written out, integrated with the method set in
``brian2.method`` (exponential Euler by default), every projection is connected from the
stored arrays in one vectorised ``Synapses.connect`` call, and Brian2's RNG is seeded. The
recordings are written as the same neo Blocks as the PyNN backends, so everything downstream
is shared.
"""

from __future__ import annotations

import datetime as _dt
import logging
import platform
import time
from pathlib import Path

import numpy as np

from vabench.backends._util import package_versions
from vabench.config import config_hash
from vabench.io import atomic_path, write_json
from vabench.network import load_network, split_projections
from vabench.provenance import git_commit

log = logging.getLogger(__name__)

EQUATIONS = """
dv/dt = (v_rest - v) / tau_m + (g_exc * (e_rev_E - v) + g_inh * (e_rev_I - v)) / c_m : volt (unless refractory)
dg_exc/dt = -g_exc / tau_syn_E : siemens
dg_inh/dt = -g_inh / tau_syn_I : siemens
"""


def versions() -> dict:
    return package_versions("brian2", "numpy", "neo")


def _block(label, spike_mon, state_mon, n_cells, n_traced, t_stop_ms):
    import neo
    import quantities as pq

    seg = neo.Segment(name=label)
    trains = spike_mon.spike_trains()
    for i in range(n_cells):
        times = np.sort(np.asarray(trains[i] / 1e-3))  # seconds -> ms, Brian2 unit-free view
        seg.spiketrains.append(neo.SpikeTrain(times, units="ms", t_start=0.0 * pq.ms, t_stop=t_stop_ms * pq.ms,
                                              source_index=i, source_population=label))
    if n_traced:
        dt_ms = float(state_mon.clock.dt / 1e-3)
        for name, attr, unit, scale in (("v", "v", "mV", 1e3), ("gsyn_exc", "g_exc", "uS", 1e6), ("gsyn_inh", "g_inh", "uS", 1e6)):
            data = np.asarray(getattr(state_mon, attr + "_")).T * scale
            seg.analogsignals.append(neo.AnalogSignal(data, units=unit, sampling_period=dt_ms * pq.ms, t_start=0.0 * pq.ms,
                                                      name=name, array_annotations={"channel_index": np.arange(n_traced)}))
    block = neo.Block(name=label)
    block.segments.append(seg)
    return block


def simulate(network_path, g_exc_nS: float, g_inh_nS: float, params: dict, out_dir, provenance: dict | None = None) -> dict:
    """Build, run and write one weight set; same files as :func:`vabench.simulate.simulate`."""
    import brian2 as b2
    import neo

    out_dir = Path(out_dir)
    started = _dt.datetime.now(_dt.timezone.utc)
    s, cell, opts = params["simulation"], params["cell"], params["brian2"]
    timings = {}

    t0 = time.perf_counter()
    net = load_network(network_path)
    seed = int(net["params"]["network"]["seed"])
    b2.start_scope()
    b2.prefs.codegen.target = opts["codegen_target"]
    b2.defaultclock.dt = s["dt_ms"] * b2.ms
    b2.seed(seed)
    timings["setup_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    namespace = {
        "v_rest": cell["v_rest"] * b2.mV, "tau_m": cell["tau_m"] * b2.ms, "c_m": cell["cm"] * b2.nF,
        "e_rev_E": cell["e_rev_E"] * b2.mV, "e_rev_I": cell["e_rev_I"] * b2.mV,
        "tau_syn_E": cell["tau_syn_E"] * b2.ms, "tau_syn_I": cell["tau_syn_I"] * b2.ms,
        "v_thresh": cell["v_thresh"] * b2.mV, "v_reset": cell["v_reset"] * b2.mV,
    }
    groups = {}
    for pop, n, offset in (("exc", net["n_exc"], 0), ("inh", net["n_inh"], net["n_exc"])):
        g = b2.NeuronGroup(n, EQUATIONS, threshold="v > v_thresh", reset="v = v_reset",
                           refractory=cell["tau_refrac"] * b2.ms, method=opts["method"], namespace=namespace, name=pop)
        g.v = net["v_init_mV"][offset:offset + n] * b2.mV
        groups[pop] = g
    src = net["thalamic_source"]
    times = net["thalamic_time_ms"]
    order = np.lexsort((src, times))
    groups["thalamus"] = b2.SpikeGeneratorGroup(net["n_thalamic"], src[order], times[order] * b2.ms, name="thalamus")
    weight = {"e": g_exc_nS * b2.nS, "i": g_inh_nS * b2.nS, "ext": params["stimulus"]["weight_nS"] * b2.nS}
    target_var = {"e": "g_exc", "i": "g_inh", "ext": "g_exc"}
    synapses = []
    for name, (pre, post) in split_projections(net).items():
        src_key, tgt_key = name.split("2")
        source = groups[{"e": "exc", "i": "inh", "ext": "thalamus"}[src_key]]
        syn = b2.Synapses(source, groups[{"e": "exc", "i": "inh"}[tgt_key]], on_pre=f"{target_var[src_key]}_post += w",
                          namespace={"w": weight[src_key]}, delay=s["delay_ms"] * b2.ms, name=name)
        if len(pre):
            syn.connect(i=np.asarray(pre, np.int32), j=np.asarray(post, np.int32))
        synapses.append(syn)
    n_traced = {pop: min(params["record"]["n_traced"], len(groups[pop])) for pop in ("exc", "inh")}
    spike_mons = {pop: b2.SpikeMonitor(groups[pop], name=f"spikes_{pop}") for pop in ("exc", "inh")}
    state_mons = {pop: b2.StateMonitor(groups[pop], ["v", "g_exc", "g_inh"], record=np.arange(n_traced[pop]), name=f"state_{pop}")
                  for pop in ("exc", "inh")}
    network = b2.Network(*groups.values(), *synapses, *spike_mons.values(), *state_mons.values())
    timings["build_s"] = time.perf_counter() - t0
    log.info("brian2-native: built %d + %d cells, %d synapses (%s, %s) in %.1f s", net["n_exc"], net["n_inh"],
             len(net["pre"]) + len(net["thalamic_pre"]), opts["method"], opts["codegen_target"], timings["build_s"])

    t0 = time.perf_counter()
    network.run(s["t_stop_ms"] * b2.ms)
    timings["run_s"] = time.perf_counter() - t0
    log.info("brian2-native: ran %g ms in %.1f s", s["t_stop_ms"], timings["run_s"])

    t0 = time.perf_counter()
    n_spikes = {}
    for pop in ("exc", "inh"):
        block = _block(pop, spike_mons[pop], state_mons[pop], len(groups[pop]), n_traced[pop], s["t_stop_ms"])
        n_spikes[pop] = int(spike_mons[pop].num_spikes)
        with atomic_path(out_dir / f"{pop}.neo.pkl") as tmp:
            neo.io.PickleIO(str(tmp)).write_block(block)
    timings["write_s"] = time.perf_counter() - t0

    used = {k: params[k] for k in ("cell", "stimulus", "simulation", "record", "brian2")}
    import resource

    info = {
        "backend": "brian2-native", "g_exc_nS": float(g_exc_nS), "g_inh_nS": float(g_inh_nS),
        "network_file": str(network_path), "network_params": net["params"], "seed": seed,
        "n_synapses": int(len(net["pre"]) + len(net["thalamic_pre"])), "n_spikes": n_spikes, "timings_s": timings,
        "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, "versions": versions(),
        "python": platform.python_version(), "host": platform.node(), "started_utc": started.isoformat(),
        "finished_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(), "params": used, "params_hash": config_hash(used),
        "virtual_run": False,
        "workflow_commit": git_commit(),
    }
    info.update(provenance or {})
    write_json(out_dir / "run.json", info)
    return info
