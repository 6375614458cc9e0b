"""The same COBA model written directly in Brian2 (backend ``brian2-native``), without PyNN.

Why: PyNN's Brian2 backend fixes forward Euler (it runs away at dt 1 ms) and its set-up is
PyNN-bound. Here the IF_cond_exp equations are written out, integrated with the method set in
``brian2.method`` (exponential Euler by default), every projection is connected from the
stored arrays in one vectorised ``Synapses.connect`` call, and Brian2's RNG is seeded. The
recordings are written as the same neo Blocks as the PyNN backends, so everything downstream
is shared.
"""

from __future__ import annotations

import logging

import numpy as np

from vabench.backends._util import package_versions
from vabench.backends.base import Engine

log = logging.getLogger(__name__)

# i_offset is IF_cond_exp's constant current (0 in the network; the single-cell current step sets it);
# with it at 0 the tiny network's spikes are bit-identical to the equations without it.
EQUATIONS = """
dv/dt = (v_rest - v) / tau_m + (g_exc * (e_rev_E - v) + g_inh * (e_rev_I - v) + i_offset) / c_m : volt (unless refractory)
dg_exc/dt = -g_exc / tau_syn_E : siemens
dg_inh/dt = -g_inh / tau_syn_I : siemens
i_offset : amp (constant)
"""


def refractory(cell: dict, dt_ms: float):
    """The refractory period to give Brian2 so that v is clamped for tau_refrac, as on NEST and
    NEURON. Brian2 stamps a spike at the start of the step in which v crossed threshold and holds
    the cell while timestep(t - lastspike) < timestep(refractory): tau_refrac - dt after the step
    the spike was found in. Measured on one cell under a 1 nA step (exact ISI 7.107 ms): NEST and
    NEURON fire every 7.2 ms at dt 0.1 ms and every 8 ms at dt 1 ms, Brian2 given tau_refrac every
    7.1 and 7 ms (tests/test_single_cell.py); one step more makes Brian2's ISIs NEST's."""
    import brian2 as b2

    return (cell["tau_refrac"] + dt_ms) * b2.ms


def namespace(cell: dict) -> dict:
    """The cell parameters (PyNN names and units) as Brian2 quantities, by the names of EQUATIONS."""
    import brian2 as b2

    return {
        "v_rest": cell["v_rest"] * b2.mV,
        "tau_m": cell["tau_m"] * b2.ms,
        "c_m": cell["cm"] * b2.nF,
        "e_rev_E": cell["e_rev_E"] * b2.mV,
        "e_rev_I": cell["e_rev_I"] * b2.mV,
        "tau_syn_E": cell["tau_syn_E"] * b2.ms,
        "tau_syn_I": cell["tau_syn_I"] * b2.ms,
        "v_thresh": cell["v_thresh"] * b2.mV,
        "v_reset": cell["v_reset"] * b2.mV,
    }


def projections(net: dict) -> list:
    """(name, source, source-local pre, global post, conductance) of the three Synapses objects;
    the source is "exc" / "inh" (subgroups of the one NeuronGroup) or "thalamus"."""
    pre, post = np.asarray(net["pre"]), np.asarray(net["post"])
    n_exc = net["n_exc"]
    from_exc = pre < n_exc
    return [
        ("from_exc", "exc", pre[from_exc], post[from_exc], "g_exc"),
        ("from_inh", "inh", pre[~from_exc] - n_exc, post[~from_exc], "g_inh"),
        ("from_thalamus", "thalamus", np.asarray(net["thalamic_pre"]), np.asarray(net["thalamic_post"]), "g_exc"),
    ]


def thalamic_input(net: dict):
    """Indices and times (ms) of the stored thalamic spikes, time-sorted as SpikeGeneratorGroup wants."""
    src, times = np.asarray(net["thalamic_source"]), np.asarray(net["thalamic_time_ms"])
    order = np.lexsort((src, times))
    return src[order], times[order]


class Brian2NativeEngine(Engine):
    """All cells are one NeuronGroup (exc first, then inh, as in the stored network) and each
    source population is one Synapses object: half the code objects of a group per
    population, so half the Cython compilation and fewer calls per time step."""

    name = "brian2-native"
    section = "brian2"
    summary = "the model written directly in Brian2 (runtime mode, Cython), exponential Euler by default"

    @classmethod
    def integration_scheme(cls, spec) -> str:
        return str(spec.section.get("method", "exponential_euler")).replace("_", " ").replace("euler", "Euler")

    input_step_offset = 1
    can_reweight = False  # weights are namespace constants; a rebuild reuses the Cython cache
    requires = ("brian2",)
    warm_up = True  # Cython compiles each code object once per machine (~2 min cold)

    def build(self, net: dict, g_exc_nS: float, g_inh_nS: float) -> None:
        import brian2 as b2

        s, cell, opts = self.spec, self.spec.cell, self.spec.section
        b2.start_scope()
        b2.prefs.codegen.target = opts["codegen_target"]
        b2.defaultclock.dt = s.dt_ms * b2.ms
        b2.seed(int(net["params"]["network"]["seed"]))
        n_exc, n_cells = net["n_exc"], net["n_exc"] + net["n_inh"]
        neurons = b2.NeuronGroup(
            n_cells,
            EQUATIONS,
            threshold="v > v_thresh",
            reset="v = v_reset",
            refractory=refractory(cell, s.dt_ms),
            method=opts["method"],
            namespace=namespace(cell),
            name="neurons",
        )
        neurons.v = net["v_init_mV"] * b2.mV
        indices, times_ms = thalamic_input(net)
        thalamus = b2.SpikeGeneratorGroup(net["n_thalamic"], indices, times_ms * b2.ms, name="thalamus")
        groups = {"exc": neurons[:n_exc], "inh": neurons[n_exc:], "thalamus": thalamus}
        weight_nS = {"from_exc": g_exc_nS, "from_inh": g_inh_nS, "from_thalamus": s.weight_thal_nS}
        synapses = []
        for name, source, i, j, target_var in projections(net):
            syn = b2.Synapses(
                groups[source],
                neurons,
                on_pre=f"{target_var}_post += w",
                namespace={"w": weight_nS[name] * b2.nS},
                delay=s.delay_ms * b2.ms,
                name=name,
            )
            if len(i):
                syn.connect(i=np.asarray(i, np.int32), j=np.asarray(j, np.int32))
            synapses.append(syn)
        traced = self.traced(net)
        self._n_exc = n_exc
        self._spike_mon = b2.SpikeMonitor(neurons, name="spikes")
        self._state_mon = b2.StateMonitor(
            neurons,
            ["v", "g_exc", "g_inh"],
            record=np.concatenate([traced["exc"], n_exc + traced["inh"]]),
            name="traces",
        )
        self._traced = traced
        self._network = b2.Network(neurons, thalamus, *synapses, self._spike_mon, self._state_mon)
        log.info(
            "brian2-native: built %d + %d cells, %d synapses (%s, %s)",
            n_exc,
            net["n_inh"],
            len(net["pre"]) + len(net["thalamic_pre"]),
            opts["method"],
            opts["codegen_target"],
        )

    def run(self) -> None:
        import brian2 as b2

        self._network.run(self.spec.t_stop_ms * b2.ms)

    def spikes(self) -> dict:
        cells, times = np.asarray(self._spike_mon.i_[:]), np.asarray(self._spike_mon.t_[:]) * 1e3  # s -> ms
        exc = cells < self._n_exc
        return {
            "exc": (cells[exc].astype(np.int32), times[exc]),
            "inh": ((cells[~exc] - self._n_exc).astype(np.int32), times[~exc]),
        }

    def traces(self) -> dict:
        k_exc, k_inh = len(self._traced["exc"]), len(self._traced["inh"])
        if not k_exc + k_inh:
            return {}
        mon = self._state_mon  # traced cells (exc then inh) x samples, in mV and uS
        data = {
            name: np.asarray(getattr(mon, attr + "_")) * scale
            for name, attr, scale in (("v", "v", 1e3), ("gsyn_exc", "g_exc", 1e6), ("gsyn_inh", "g_inh", 1e6))
        }
        return {
            "exc": {name: d[:k_exc].T for name, d in data.items()},
            "inh": {name: d[k_exc : k_exc + k_inh].T for name, d in data.items()},
        }

    def teardown(self) -> None:
        self._network = self._spike_mon = self._state_mon = None

    def versions(self) -> dict:
        return package_versions("brian2", "numpy", "neo")

    def info(self) -> dict:
        return {"method": self.spec.section.get("method"), "codegen_target": self.spec.section.get("codegen_target")}

    def single_cells(self, scenarios: dict, seed: int) -> dict:
        """As :meth:`build` builds the network: EQUATIONS, threshold, reset, refractory and
        ``<g>_post += w`` synapses, one cell per scenario, fed by one SpikeGeneratorGroup."""
        import brian2 as b2

        s, cell, opts = self.spec, self.spec.cell, self.spec.section
        b2.start_scope()
        b2.prefs.codegen.target = opts["codegen_target"]
        b2.defaultclock.dt = s.dt_ms * b2.ms
        b2.seed(seed)
        labels = list(scenarios)
        neurons = b2.NeuronGroup(
            len(labels),
            EQUATIONS,
            threshold="v > v_thresh",
            reset="v = v_reset",
            refractory=refractory(cell, s.dt_ms),
            method=opts["method"],
            namespace=namespace(cell),
            name="neurons",
        )
        neurons.v = cell["v_rest"] * b2.mV
        neurons.i_offset = np.array([scenarios[lb].get("i_offset_nA", 0.0) for lb in labels]) * b2.nA
        fed = [k for k, lb in enumerate(labels) if scenarios[lb]["weight_nS"]]
        times = np.array([scenarios[labels[k]]["spike_ms"] for k in fed])
        inputs = b2.SpikeGeneratorGroup(len(labels), np.array(fed, int), times * b2.ms, name="inputs")
        synapses = []
        for k, label in enumerate(labels):
            sc = scenarios[label]
            if not sc["weight_nS"]:
                continue
            target = "g_exc" if sc["receptor"] == "excitatory" else "g_inh"
            syn = b2.Synapses(
                inputs,
                neurons,
                on_pre=f"{target}_post += w",
                namespace={"w": sc["weight_nS"] * b2.nS},
                delay=s.delay_ms * b2.ms,
                name=f"syn_{k}",
            )
            syn.connect(i=np.array([k], np.int32), j=np.array([k], np.int32))
            synapses.append(syn)
        spike_mon = b2.SpikeMonitor(neurons, name="spikes")
        state_mon = b2.StateMonitor(neurons, "v", record=True, name="traces")
        b2.Network(neurons, inputs, *synapses, spike_mon, state_mon).run(s.t_stop_ms * b2.ms)
        t = np.asarray(state_mon.t_[:]) * 1e3
        cells, spike_t = np.asarray(spike_mon.i_[:]), np.asarray(spike_mon.t_[:]) * 1e3
        return {
            label: {
                "t": t.tolist(),
                "v": (np.asarray(state_mon.v_[k]) * 1e3).tolist(),
                "spikes": spike_t[cells == k].tolist(),
            }
            for k, label in enumerate(labels)
        }
