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

from vabench.backends._util import package_versions, quiet_fds

log = logging.getLogger(__name__)


def import_sim():
    with quiet_fds() as out:
        import pyNN.nest as sim
    if "error" in out.get("text", "").lower():
        log.debug("pyNN.nest import printed (harmless extension-build noise):\n%s", out["text"])
    return sim


def setup(sim, dt_ms: float, delay_ms: float, threads: int, seed: int) -> None:
    import nest

    sim.setup(timestep=dt_ms, min_delay=delay_ms, max_delay=delay_ms, threads=threads, rng_seed=seed)
    nest.SetDefaults("spike_generator", {"precise_times": False, "allow_offgrid_times": True})


def versions() -> dict:
    return package_versions("PyNN", "nest-simulator", "numpy", "neo")


def make_projection(sim, pre_pop, post_pop, pre_idx, post_idx, weight_uS, delay_ms, receptor, label):
    """Create the PyNN projection empty, then all its synapses in one native ``nest.Connect``.

    PyNN's list connector takes ~4 s at N=4000, the native one_to_one call ~0.1 s (FACTS.md);
    the projection keeps PyNN's synapse model and label, so PyNN still sees its connections.
    """
    import nest
    import numpy as np

    empty = sim.FromListConnector(np.empty((0, 2), dtype=int))
    prj = sim.Projection(pre_pop, post_pop, empty, sim.StaticSynapse(weight=weight_uS, delay=delay_ms),
                         receptor_type=receptor, label=label)
    if len(pre_idx):
        pre_ids = node_ids(pre_pop)[np.asarray(pre_idx)]
        post_ids = node_ids(post_pop)[np.asarray(post_idx)]
        # NEST wants conductances in nS, negative on inhibitory synapses (as PyNN sends them)
        weight_nS = weight_uS * 1000.0 * (-1.0 if receptor == "inhibitory" else 1.0)
        nest.Connect(pre_ids, post_ids, "one_to_one",
                     {"synapse_model": prj.nest_synapse_model, "synapse_label": prj.nest_synapse_label,
                      "weight": np.full(len(pre_ids), weight_nS), "delay": np.full(len(pre_ids), delay_ms)})
    return prj


# A sweep rebuilds the network for every point in the same process (bit-identical to a fresh
# process); NEST's reset changes the dynamics (FACTS.md).
REBUILD_PER_POINT = True


def node_ids(pop):
    """NEST node ids of a population's cells (NodeCollection.tolist() is ~30x slower)."""
    import numpy as np

    return np.asarray(pop.all_cells, dtype=np.int64)


def spike_events(pop):
    """(cell index, time in ms) of every spike recorded so far, straight from NEST's recorder.

    PyNN's ``get_data()`` builds neo objects cell by cell (seconds at N=4000); a sweep needs
    only the two arrays.
    """
    import numpy as np
    from pyNN.nest import simulator

    events = pop.recorder._spike_detector.device.get("events")
    ids = node_ids(pop)
    senders = np.asarray(events["senders"], dtype=np.int64)
    times = np.asarray(events["times"], dtype=np.float64) - simulator.state._time_offset
    keep = times <= simulator.state.t  # NEST steps past t_stop by up to min_delay; PyNN drops those
    return np.searchsorted(ids, senders[keep]).astype(np.int32), times[keep]


def recorded_block(pop, n_traced: int, t_stop_ms: float):
    """The population's recording as a neo Block, read straight from NEST's recorders.

    Same content as PyNN's ``pop.get_data()`` (a test compares them) in about 1 s instead of
    6 s at N=4000 with 100 traced cells: PyNN regroups every traced sample in a Python loop.
    """
    import numpy as np
    from pyNN.nest import simulator

    from vabench.recording import block_from_arrays

    cells, times = spike_events(pop)
    traces, traced = {}, np.arange(min(n_traced, pop.size))
    if len(traced):
        device = pop.recorder._multimeter.device
        events = device.get("events")
        t = np.asarray(events.pop("times"), dtype=np.float64) - simulator.state._time_offset
        keep = np.flatnonzero(t <= simulator.state.t)
        senders = np.asarray(events.pop("senders"), dtype=np.int64)[keep]
        order = keep[np.lexsort((t[keep], senders))]  # cell-major, time within a cell
        del t, keep, senders
        n_samples = len(order) // len(traced)
        ctype = pop.celltype
        for name in ("v", "gsyn_exc", "gsyn_inh"):
            values = np.asarray(events.pop(ctype.variable_map[name]), dtype=np.float64)[order] * ctype.scale_factors[name]
            # NEST does not record t=0; PyNN puts the initial value first, and so do we
            initial = np.asarray(pop.initial_values[name].evaluate(simplify=False), dtype=np.float64)[traced]
            traces[name] = np.vstack([initial[None, :], values.reshape(len(traced), n_samples).T])
            del values
        del events, order
    return block_from_arrays(pop.label, pop.size, cells, times, t_stop_ms, traces, traced, simulator.state.dt)
