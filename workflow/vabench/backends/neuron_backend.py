"""NEURON through PyNN.

Quirk: ``import pyNN.neuron`` compiles PyNN's NMODL files (nrnivmodl, ~30 s) the first time
in an environment. Parallel simulate jobs would race on that compile, so ``make setup``
(and :func:`compile_mechanisms`) does it once beforehand.
"""

from __future__ import annotations

from vabench.backends._util import package_versions


def compile_mechanisms() -> None:
    import pyNN.neuron  # noqa: F401  (the import compiles the NMODL files if needed)


def import_sim():
    import pyNN.neuron as sim

    return sim


def setup(sim, dt_ms: float, delay_ms: float, threads: int, seed: int) -> None:
    sim.setup(timestep=dt_ms, min_delay=delay_ms, max_delay=delay_ms)


def versions() -> dict:
    return package_versions("PyNN", "neuron", "numpy", "neo")


def make_projection(sim, pre_pop, post_pop, pre_idx, post_idx, weight_uS, delay_ms, receptor, label):
    from vabench.backends._util import pynn_projection

    return pynn_projection(sim, pre_pop, post_pop, pre_idx, post_idx, weight_uS, delay_ms, receptor, label)


# Rebuilding NEURON in one process keeps old cells simulated; reset + new weights is exact.
REBUILD_PER_POINT = False


def set_weight(prj, weight_uS: float) -> None:
    prj.set(weight=weight_uS)


def recorded_block(pop, n_traced: int, t_stop_ms: float):
    """The population's recording as a neo Block, read straight from PyNN's NEURON vectors.

    Same content as ``pop.get_data()`` (a test compares them); PyNN builds its Block with
    per-cell unit parsing and annotations (about 4 s at N=4000, 13 s at N=10,000).
    """
    import numpy as np
    from pyNN.neuron import simulator

    from vabench.recording import block_from_arrays

    t_now = simulator.state.t + 1e-9  # PyNN's own cut-off
    cells, times = [], []
    for i, cell_id in enumerate(pop.all_cells):
        st = cell_id._cell.spike_times.as_numpy()
        st = st[st <= t_now]
        times.append(st)
        cells.append(np.full(len(st), i, dtype=np.int32))
    traced = np.arange(min(n_traced, pop.size))
    traces = {}
    if len(traced):
        ids = pop.all_cells[: len(traced)]
        for variable in pop.recorder.recorded:
            if variable.name != "spikes":
                traces[variable.name] = pop.recorder._get_all_signals(variable, ids)[0]  # PyNN's own length fix
    return block_from_arrays(pop.label, pop.size, np.concatenate(cells), np.concatenate(times), t_stop_ms, traces, traced,
                             pop.recorder.sampling_interval)
