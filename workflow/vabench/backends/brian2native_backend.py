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
from vabench.network import load_network
from vabench.provenance import git_commit

log = logging.getLogger(__name__)

# i_offset is IF_cond_exp's constant current (0 in the network; the single-cell current step sets it);
# with it at 0 the tiny network's spikes are bit-identical to the equations without it.
EQUATIONS = """
dv/dt = (v_rest - v) / tau_m + (g_exc * (e_rev_E - v) + g_inh * (e_rev_I - v) + i_offset) / c_m : volt (unless refractory)
dg_exc/dt = -g_exc / tau_syn_E : siemens
dg_inh/dt = -g_inh / tau_syn_I : siemens
i_offset : amp (constant)
"""


def versions() -> dict:
    return package_versions("brian2", "numpy", "neo")


def _blocks(net, spike_mon, state_mon, traced: dict, t_stop_ms):
    """One neo Block per population from the monitors of the single neuron group."""
    from vabench.recording import block_from_arrays

    cells, times = np.asarray(spike_mon.i_[:]), np.asarray(spike_mon.t_[:]) * 1e3  # s -> ms
    dt_ms = float(state_mon.clock.dt / 1e-3)
    recorded = {}  # traced cells (exc then inh) x samples, in mV and uS
    if len(traced["exc"]) + len(traced["inh"]):
        recorded = {name: np.asarray(getattr(state_mon, attr + "_")) * scale
                    for name, attr, scale in (("v", "v", 1e3), ("gsyn_exc", "g_exc", 1e6), ("gsyn_inh", "g_inh", 1e6))}
    blocks, column = {}, 0
    for pop, n, offset in (("exc", net["n_exc"], 0), ("inh", net["n_inh"], net["n_exc"])):
        mine = (cells >= offset) & (cells < offset + n)
        k = len(traced[pop])
        traces = {name: data[column:column + k].T for name, data in recorded.items()} if k else None
        column += k
        blocks[pop] = block_from_arrays(pop, n, cells[mine] - offset, times[mine], t_stop_ms, traces, traced[pop], dt_ms)
    return blocks


def simulate(network_path, g_exc_nS: float, g_inh_nS: float, params: dict, out_dir, provenance: dict | None = None) -> dict:
    """Build, run and write one weight set; same files as :func:`vabench.simulate.simulate`.

    All cells are one NeuronGroup (exc first, then inh, as in the stored network) and each
    source population is one Synapses object: half the code objects of a group per
    population, so half the Cython compilation and fewer calls per time step.
    """
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
    n_exc, n_cells = net["n_exc"], net["n_exc"] + net["n_inh"]
    neurons = b2.NeuronGroup(n_cells, EQUATIONS, threshold="v > v_thresh", reset="v = v_reset",
                             refractory=cell["tau_refrac"] * b2.ms, method=opts["method"], namespace=namespace, name="neurons")
    neurons.v = net["v_init_mV"] * b2.mV
    src, times = net["thalamic_source"], net["thalamic_time_ms"]
    order = np.lexsort((src, times))
    thalamus = b2.SpikeGeneratorGroup(net["n_thalamic"], src[order], times[order] * b2.ms, name="thalamus")
    pre, post = np.asarray(net["pre"]), np.asarray(net["post"])
    from_exc = pre < n_exc
    sources = (  # name, source group (subgroups count from their first cell), source-local pre, global post, conductance, nS
        ("from_exc", neurons[:n_exc], pre[from_exc], post[from_exc], "g_exc", g_exc_nS),
        ("from_inh", neurons[n_exc:], pre[~from_exc] - n_exc, post[~from_exc], "g_inh", g_inh_nS),
        ("from_thalamus", thalamus, net["thalamic_pre"], net["thalamic_post"], "g_exc", params["stimulus"]["weight_nS"]),
    )
    synapses = []
    for name, source, i, j, target_var, w_nS in sources:
        syn = b2.Synapses(source, neurons, on_pre=f"{target_var}_post += w", namespace={"w": w_nS * b2.nS},
                          delay=s["delay_ms"] * b2.ms, name=name)
        if len(i):
            syn.connect(i=np.asarray(i, np.int32), j=np.asarray(j, np.int32))
        synapses.append(syn)
    traced = {pop: np.arange(min(params["record"]["n_traced"], n)) for pop, n in (("exc", n_exc), ("inh", net["n_inh"]))}
    spike_mon = b2.SpikeMonitor(neurons, name="spikes")
    state_mon = b2.StateMonitor(neurons, ["v", "g_exc", "g_inh"], record=np.concatenate([traced["exc"], n_exc + traced["inh"]]),
                                name="traces")
    network = b2.Network(neurons, thalamus, *synapses, spike_mon, state_mon)
    timings["build_s"] = time.perf_counter() - t0
    log.info("brian2-native: built %d + %d cells, %d synapses (%s, %s) in %.1f s", n_exc, net["n_inh"],
             len(pre) + len(net["thalamic_pre"]), opts["method"], opts["codegen_target"], timings["build_s"])

    t0 = time.perf_counter()
    network.run(s["t_stop_ms"] * b2.ms)
    timings["run_s"] = time.perf_counter() - t0
    log.info("brian2-native: ran %g ms in %.1f s", s["t_stop_ms"], timings["run_s"])

    t0 = time.perf_counter()
    n_spikes = {}
    for pop, block in _blocks(net, spike_mon, state_mon, traced, s["t_stop_ms"]).items():
        n_spikes[pop] = int(sum(len(st) for st in block.segments[0].spiketrains))
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
