"""Extraction reads one segment of a Block, the same one for spikes and traces."""

import numpy as np

from vabench.extract import spikes_table, trace_arrays
from vabench.recording import block_from_arrays


def two_segment_block(label, n, first_times, second_times, first_v, second_v):
    """A Block with two segments (as PyNN writes after a reset): the second is the run."""
    a = block_from_arrays(label, n, np.zeros(len(first_times), int), first_times, 10.0,
                          {"v": np.full((100, 1), first_v)}, [0], 0.1)
    b = block_from_arrays(label, n, np.zeros(len(second_times), int), second_times, 10.0,
                          {"v": np.full((100, 1), second_v)}, [0], 0.1)
    a.segments.append(b.segments[0])
    return a


def test_spikes_and_traces_come_from_the_same_last_segment():
    blocks = {"exc": two_segment_block("exc", 2, [1.0, 2.0, 3.0], [5.0], -70.0, -55.0),
              "inh": two_segment_block("inh", 1, [4.0], [6.0, 7.0], -65.0, -52.0)}
    spikes = spikes_table(blocks)
    assert sorted(spikes["time_ms"]) == [5.0, 6.0, 7.0]
    traces = trace_arrays(blocks)
    assert np.allclose(traces["exc_v_mV"], -55.0) and np.allclose(traces["inh_v_mV"], -52.0)
