"""The same models written directly in Brian2 (backend ``brian2-native``), without PyNN.

Why: PyNN's Brian2 backend fixes forward Euler (it runs away at dt 1 ms) and its set-up is
PyNN-bound. Here the equations are written out (:mod:`vabench.backends.brian2_models`, shared
with brian2-standalone), integrated with the method set in
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
from vabench.backends.brian2_models import initial_state, neuron_group_args, synapses, weight
from vabench.models import rest_mV

log = logging.getLogger(__name__)


def set_initial(neurons, model: str, cell: dict, v_mV) -> None:
    """Initial v (and, for HH, the gates at their steady state there) of every cell."""
    for name, values in initial_state(model, cell, v_mV).items():
        setattr(neurons, name + "_", values)  # the unitless form: volt and 1


def projections(net: dict) -> list:
    """(name, source, source-local pre, global post, receptor) of the Synapses objects; the
    source is "exc" / "inh" (subgroups of the one NeuronGroup) or "thalamus" (none where the
    network has no thalamic sources, as CUBA's)."""
    pre, post = np.asarray(net["pre"]), np.asarray(net["post"])
    n_exc = net["n_exc"]
    from_exc = pre < n_exc
    out = [
        ("from_exc", "exc", pre[from_exc], post[from_exc], "excitatory"),
        ("from_inh", "inh", pre[~from_exc] - n_exc, post[~from_exc], "inhibitory"),
    ]
    if int(net["n_thalamic"]):
        thal = ("from_thalamus", "thalamus", np.asarray(net["thalamic_pre"]), np.asarray(net["thalamic_post"]))
        out.append((*thal, "excitatory"))
    return out


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
    models = ("coba", "cuba", "hh-coba")
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
            n_cells, **neuron_group_args(s.model, cell, s.dt_ms), method=opts["method"], name="neurons"
        )
        set_initial(neurons, s.model, cell, net["v_init_mV"])
        groups = {"exc": neurons[:n_exc], "inh": neurons[n_exc:]}
        if net["n_thalamic"]:
            indices, times_ms = thalamic_input(net)
            groups["thalamus"] = b2.SpikeGeneratorGroup(net["n_thalamic"], indices, times_ms * b2.ms, name="thalamus")
        weights = {"from_exc": g_exc_nS, "from_inh": g_inh_nS, "from_thalamus": s.weight_thal_nS}
        target = synapses(s.model)["target"]
        syns = []
        for name, source, i, j, receptor in projections(net):
            syn = b2.Synapses(
                groups[source],
                neurons,
                on_pre=f"{target[receptor]}_post += w",
                namespace={"w": weight(s.model, weights[name], receptor)},
                delay=s.delay_ms * b2.ms,
                name=name,
            )
            if len(i):
                syn.connect(i=np.asarray(i, np.int32), j=np.asarray(j, np.int32))
            syns.append(syn)
        traced = self.traced(net)
        self._n_exc = n_exc
        self._spike_mon = b2.SpikeMonitor(neurons, name="spikes")
        self._state_mon = b2.StateMonitor(
            neurons,
            [var for var, _scale in synapses(s.model)["traced"].values()],
            record=np.concatenate([traced["exc"], n_exc + traced["inh"]]),
            name="traces",
        )
        self._traced = traced
        inputs = [groups["thalamus"]] if "thalamus" in groups else []
        self._network = b2.Network(neurons, *inputs, *syns, self._spike_mon, self._state_mon)
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
            for name, (attr, scale) in synapses(self.spec.model)["traced"].items()
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
        """As :meth:`build` builds the network: the model's equations, threshold, reset, refractory and
        ``<g>_post += w`` synapses, one cell per scenario, fed by one SpikeGeneratorGroup."""
        import brian2 as b2

        s, cell, opts = self.spec, self.spec.cell, self.spec.section
        b2.start_scope()
        b2.prefs.codegen.target = opts["codegen_target"]
        b2.defaultclock.dt = s.dt_ms * b2.ms
        b2.seed(seed)
        labels = list(scenarios)
        neurons = b2.NeuronGroup(
            len(labels), **neuron_group_args(s.model, cell, s.dt_ms), method=opts["method"], name="neurons"
        )
        set_initial(neurons, s.model, cell, np.full(len(labels), rest_mV(cell)))
        neurons.i_offset = np.array([scenarios[lb].get("i_offset_nA", 0.0) for lb in labels]) * b2.nA
        fed = [k for k, lb in enumerate(labels) if scenarios[lb]["weight_nS"]]
        times = np.array([scenarios[labels[k]]["spike_ms"] for k in fed])
        inputs = b2.SpikeGeneratorGroup(len(labels), np.array(fed, int), times * b2.ms, name="inputs")
        syns, target = [], synapses(s.model)["target"]
        for k, label in enumerate(labels):
            sc = scenarios[label]
            if not sc["weight_nS"]:
                continue
            syn = b2.Synapses(
                inputs,
                neurons,
                on_pre=f"{target[sc['receptor']]}_post += w",
                namespace={"w": weight(s.model, sc["weight_nS"], sc["receptor"])},
                delay=s.delay_ms * b2.ms,
                name=f"syn_{k}",
            )
            syn.connect(i=np.array([k], np.int32), j=np.array([k], np.int32))
            syns.append(syn)
        spike_mon = b2.SpikeMonitor(neurons, name="spikes")
        state_mon = b2.StateMonitor(neurons, "v", record=True, name="traces")
        b2.Network(neurons, inputs, *syns, spike_mon, state_mon).run(s.t_stop_ms * b2.ms)
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
