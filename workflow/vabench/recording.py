"""neo Blocks built from flat arrays: the recording format of every backend, fast.

PyNN's ``get_data()`` on NEST regroups every recorded sample in a Python loop (about 6 s
for 100 traced cells x 1 s at N=4000, as long as the simulation's build). A backend that
can hand over its recorder's arrays builds the same Block here in milliseconds; the layout
matches ``get_data()`` (one SpikeTrain per cell with ``source_index``, one AnalogSignal per
variable with ``channel_index``), which a test checks on NEST.
"""

from __future__ import annotations

import numpy as np

# (name in the Block, unit) of the traced variables, in PyNN's units
TRACE_UNITS = {"v": "mV", "gsyn_exc": "uS", "gsyn_inh": "uS"}


def block_from_arrays(label: str, n_cells: int, spike_cells, spike_times_ms, t_stop_ms: float,
                      traces: dict | None = None, traced_cells=None, dt_ms: float | None = None):
    """A neo Block of one population.

    ``spike_cells`` / ``spike_times_ms``: one entry per spike (cell index within the
    population). ``traces`` maps a name of :data:`TRACE_UNITS` to an array (samples x
    traced cells) sampled every ``dt_ms`` from t=0.
    """
    import neo
    import quantities as pq

    cells = np.asarray(spike_cells, dtype=np.int64)
    times = np.asarray(spike_times_ms, dtype=np.float64)
    order = np.lexsort((times, cells))
    counts = np.bincount(cells, minlength=n_cells) if len(cells) else np.zeros(n_cells, np.int64)
    per_cell = np.split(times[order], np.cumsum(counts)[:-1])
    seg = neo.Segment(name=label)
    t_stop = float(t_stop_ms)  # plain floats and a unit object: neo parses a unit string per train (2x slower)
    seg.spiketrains.extend([
        neo.SpikeTrain(t, units=pq.ms, t_start=0.0, t_stop=t_stop, source_index=i, source_population=label)
        for i, t in enumerate(per_cell)])
    if traces and traced_cells is not None and len(traced_cells):
        for name, data in traces.items():
            seg.analogsignals.append(neo.AnalogSignal(
                np.asarray(data), units=TRACE_UNITS[name], sampling_period=dt_ms * pq.ms, t_start=0.0 * pq.ms, name=name,
                array_annotations={"channel_index": np.asarray(traced_cells, dtype=np.int64)}))
    block = neo.Block(name=label)
    block.segments.append(seg)
    return block
