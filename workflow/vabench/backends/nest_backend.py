"""NEST through PyNN.

Quirks:
- ``import pyNN.nest`` tries to build PyNN's NEST extensions and prints CMake errors (the
  wheel ships no headers); harmless, kept out of the log.
- PyNN makes spike generators use precise times minus min_delay, so float rounding can
  deliver a stored spike one step late; on-grid generators keep stored spikes exact.
- ``threads`` is NEST's local_num_threads; the input is stored, so results do not depend on it.
"""

from __future__ import annotations

import logging

import numpy as np

from vabench.backends._util import package_versions, quiet_fds
from vabench.backends.base import POPULATIONS, PyNNEngine

log = logging.getLogger(__name__)


class NestEngine(PyNNEngine):
    name = "nest"
    models = ("coba", "cuba", "hh-coba")
    pynn_module = "pyNN.nest"
    requires = ("pyNN", "nest")
    summary = "NEST 3 through PyNN; iaf_cond_exp integrated by GSL's adaptive RKF45 within each step"
    integration = "RKF45 (GSL, adaptive)"
    # A map rebuilds the network for every point in the same process (bit-identical to a fresh
    # process); NEST's reset changes the dynamics (FACTS.md).
    can_reweight = False

    def import_sim(self):
        with quiet_fds() as out:
            import pyNN.nest as sim
        if "error" in out.get("text", "").lower():
            log.debug("pyNN.nest import printed (harmless extension-build noise):\n%s", out["text"])
        return sim

    def setup(self, sim, seed: int) -> None:
        import nest

        s = self.spec
        sim.setup(timestep=s.dt_ms, min_delay=s.delay_ms, max_delay=s.delay_ms, threads=s.threads, rng_seed=seed)
        nest.SetDefaults("spike_generator", {"precise_times": False, "allow_offgrid_times": True})

    def versions(self) -> dict:
        return package_versions("PyNN", "nest-simulator", "numpy", "neo")

    def make_projection(self, sim, pre_pop, post_pop, pre_idx, post_idx, weight, receptor, label):
        """Create the PyNN projection empty, then all its synapses in one native ``nest.Connect``.

        PyNN's list connector takes ~4 s at N=4000, the native one_to_one call ~0.1 s (FACTS.md);
        the projection keeps PyNN's synapse model and label, so PyNN still sees its connections.
        """
        import nest

        delay_ms = self.spec.delay_ms
        empty = sim.FromListConnector(np.empty((0, 2), dtype=int))
        prj = sim.Projection(
            pre_pop,
            post_pop,
            empty,
            sim.StaticSynapse(weight=weight, delay=delay_ms),
            receptor_type=receptor,
            label=label,
        )
        if len(pre_idx):
            pre_ids = node_ids(pre_pop)[np.asarray(pre_idx)]
            post_ids = node_ids(post_pop)[np.asarray(post_idx)]
            # NEST wants nS or pA; conductances negative on inhibitory synapses (as PyNN sends them),
            # currents with the sign PyNN was given (already negative on inhibitory ones)
            flip = receptor == "inhibitory" and post_pop.conductance_based
            weight_nest = weight * 1000.0 * (-1.0 if flip else 1.0)
            nest.Connect(
                pre_ids,
                post_ids,
                "one_to_one",
                {
                    "synapse_model": prj.nest_synapse_model,
                    "synapse_label": prj.nest_synapse_label,
                    "weight": np.full(len(pre_ids), weight_nest),
                    "delay": np.full(len(pre_ids), delay_ms),
                },
            )
        return prj

    def spikes(self) -> dict:
        return {pop: spike_events(self.model["populations"][pop]) for pop in POPULATIONS}

    def traces(self) -> dict:
        if not self.spec.n_traced:
            return {}
        return {
            pop: recorded_traces(self.model["populations"][pop], self.spec.n_traced, self.traced_variables)
            for pop in POPULATIONS
        }


def node_ids(pop):
    """NEST node ids of a population's cells (NodeCollection.tolist() is ~30x slower)."""
    return np.asarray(pop.all_cells, dtype=np.int64)


def spike_events(pop):
    """(cell index, time in ms) of every spike recorded so far, straight from NEST's recorder.

    PyNN's ``get_data()`` builds neo objects cell by cell (seconds at N=4000); we need only
    the two arrays.
    """
    from pyNN.nest import simulator

    events = pop.recorder._spike_detector.device.get("events")
    ids = node_ids(pop)
    senders = np.asarray(events["senders"], dtype=np.int64)
    times = np.asarray(events["times"], dtype=np.float64) - simulator.state._time_offset
    keep = times <= simulator.state.t  # NEST steps past t_stop by up to min_delay; PyNN drops those
    return np.searchsorted(ids, senders[keep]).astype(np.int32), times[keep]


def recorded_traces(pop, n_traced: int, variables=("v", "gsyn_exc", "gsyn_inh")) -> dict:
    """``variables`` (v, gsyn_exc, gsyn_inh) of the first ``n_traced`` cells (samples x cells), straight from
    NEST's multimeter, laid out as PyNN's ``get_data()`` (a test compares them): about 1 s
    instead of 6 s at N=4000 with 100 traced cells, where PyNN regroups every sample in Python.
    """
    from pyNN.nest import simulator

    traces, traced = {}, np.arange(min(n_traced, pop.size))
    device = pop.recorder._multimeter.device
    events = device.get("events")
    t = np.asarray(events.pop("times"), dtype=np.float64) - simulator.state._time_offset
    keep = np.flatnonzero(t <= simulator.state.t)
    senders = np.asarray(events.pop("senders"), dtype=np.int64)[keep]
    order = keep[np.lexsort((t[keep], senders))]  # cell-major, time within a cell
    del t, keep, senders
    n_samples = len(order) // len(traced)
    ctype = pop.celltype
    for name in variables:
        values = np.asarray(events.pop(ctype.variable_map[name]), dtype=np.float64)[order] * ctype.scale_factors[name]
        # NEST does not record t=0; PyNN puts the initial value first, and so do we
        initial = np.asarray(pop.initial_values[name].evaluate(simplify=False), dtype=np.float64)[traced]
        traces[name] = np.vstack([initial[None, :], values.reshape(len(traced), n_samples).T])
        del values
    return traces
