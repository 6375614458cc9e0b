"""The tidy recording (written once by the simulate job), its neo export, and the extract stage."""

import numpy as np
import pandas as pd
import pytest

from vabench.io import read_npz, read_spikes
from vabench.neo_export import block_from_arrays, blocks_of_run, read_neo_run, spikes_table, trace_arrays
from vabench.recording import LFP_KEY, lfp_proxy, trace_meta, write_recordings

CELL = {"e_rev_E": 0.0, "e_rev_I": -80.0}


def two_segment_block(label, n, first_times, second_times, first_v, second_v):
    """A Block with two segments (as PyNN writes after a reset): the second is the run."""
    a = block_from_arrays(
        label, n, np.zeros(len(first_times), int), first_times, 10.0, {"v": np.full((100, 1), first_v)}, [0], 0.1
    )
    b = block_from_arrays(
        label, n, np.zeros(len(second_times), int), second_times, 10.0, {"v": np.full((100, 1), second_v)}, [0], 0.1
    )
    a.segments.append(b.segments[0])
    return a


def test_neo_reading_takes_spikes_and_traces_from_the_same_last_segment():
    blocks = {
        "exc": two_segment_block("exc", 2, [1.0, 2.0, 3.0], [5.0], -70.0, -55.0),
        "inh": two_segment_block("inh", 1, [4.0], [6.0, 7.0], -65.0, -52.0),
    }
    spikes = spikes_table(blocks)
    assert sorted(spikes["time_ms"]) == [5.0, 6.0, 7.0]
    traces = trace_arrays(blocks)
    assert np.allclose(traces["exc_v_mV"], -55.0) and np.allclose(traces["inh_v_mV"], -52.0)


def engine_output(order="C", n_samples=1500, seed=0):
    """Spikes and traces as an engine hands them over (traces samples x cells, in ``order``)."""
    rng = np.random.default_rng(seed)
    spikes = {
        "exc": (rng.integers(0, 40, 300).astype(np.int32), np.round(rng.uniform(0, 150, 300), 1)),
        "inh": (rng.integers(0, 10, 80).astype(np.int32), np.round(rng.uniform(0, 150, 80), 1)),
    }
    traces = {
        pop: {
            "v": np.asarray(rng.uniform(-70, -50, (n_samples, 5)), order=order),
            "gsyn_exc": np.asarray(rng.uniform(0, 0.05, (n_samples, 5)), order=order),
            "gsyn_inh": np.asarray(rng.uniform(0, 0.2, (n_samples, 5)), order=order),
        }
        for pop in ("exc", "inh")
    }
    return spikes, traces, {"exc": np.arange(5), "inh": np.arange(5)}


@pytest.mark.parametrize("order", ["C", "F"])
def test_tidy_traces_and_lfp_equal_the_earlier_neo_pipeline_bit_for_bit(tmp_path, order):
    """The earlier simulate job wrote neo pickles that a second job converted: the float32 traces,
    their time axis and the LFP proxy computed from them are the same bits now, for either memory
    layout an engine hands over (so the spectra and the verdict do not move)."""
    import neo

    spikes, traces, traced = engine_output(order)
    counts = write_recordings(tmp_path / "run", spikes, traces, traced, 0.1, CELL, "full")
    assert counts == {"exc": 300, "inh": 80}
    for pop in ("exc", "inh"):  # the earlier path: a Block per population, pickled, read back, converted
        block = block_from_arrays(pop, 40 if pop == "exc" else 10, *spikes[pop], 150.0, traces[pop], traced[pop], 0.1)
        neo.io.PickleIO(str(tmp_path / f"{pop}.neo.pkl")).write_block(block)
    old_spikes, old = read_neo_run({pop: tmp_path / f"{pop}.neo.pkl" for pop in ("exc", "inh")})
    new = read_npz(tmp_path / "run" / "traces.npz")
    for key, value in old.items():
        assert new[key].dtype == value.dtype and new[key].flags.f_contiguous == value.flags.f_contiguous, key
        assert np.array_equal(new[key], value), key
    old_lfp = lfp_proxy(old["exc_v_mV"], old["exc_gsyn_exc_uS"], old["exc_gsyn_inh_uS"], 0.0, -80.0)
    assert np.array_equal(new[LFP_KEY], old_lfp)  # the same bits, not only close
    pd.testing.assert_frame_equal(read_spikes(tmp_path / "run" / "spikes.parquet"), old_spikes)
    meta = trace_meta(new)
    assert meta["content"] == "full" and meta["units"]["exc_v_mV"] == "mV" and meta["units"][LFP_KEY] == "nA"


def test_a_run_off_the_figures_keeps_only_its_lfp_proxy(tmp_path):
    spikes, traces, traced = engine_output()
    write_recordings(tmp_path / "full", spikes, traces, traced, 0.1, CELL, "full")
    write_recordings(tmp_path / "lfp", spikes, traces, traced, 0.1, CELL, "lfp")
    full, lfp = read_npz(tmp_path / "full" / "traces.npz"), read_npz(tmp_path / "lfp" / "traces.npz")
    assert set(lfp) == {"t_ms", LFP_KEY, "exc_cells", "inh_cells", "meta_json"}
    assert np.array_equal(lfp[LFP_KEY], full[LFP_KEY]) and np.array_equal(lfp["t_ms"], full["t_ms"])
    assert (tmp_path / "lfp" / "traces.npz").stat().st_size < (
        tmp_path / "full" / "traces.npz"
    ).stat().st_size / 8  # 30 traces against 2 series


def test_neo_export_round_trips_the_tidy_recordings(tmp_path):
    """neo is an export: Blocks written from the tidy files read back into the same tables."""
    spikes, traces, traced = engine_output()
    write_recordings(tmp_path, spikes, traces, traced, 0.1, CELL, "full")
    blocks = blocks_of_run(tmp_path, {"exc": 40, "inh": 10}, 150.0)
    assert len(blocks["exc"].segments[0].spiketrains) == 40
    assert {s.name for s in blocks["exc"].segments[0].analogsignals} == {"v", "gsyn_exc", "gsyn_inh"}
    pd.testing.assert_frame_equal(spikes_table(blocks), read_spikes(tmp_path / "spikes.parquet"))
    back, stored = trace_arrays(blocks), read_npz(tmp_path / "traces.npz")
    for key, value in back.items():
        assert np.array_equal(value, stored[key]), key


def test_cell_summary_intermediate_round_trips_exactly(tmp_path):
    """The extract stage hands its aggregates to run_statistics at full precision: the summary is
    the one computed from the unrounded per-cell table."""
    from vabench.extract import EXACT

    values = pd.DataFrame(
        {
            "population": ["exc", "inh"],
            "rate_hz": [13.749999999999998, 1 / 3],
            "cv_isi": [np.pi, np.nan],
            "n_cells": [3200, 800],
        }
    )
    values.to_csv(tmp_path / "t.tsv", sep="\t", index=False, float_format=EXACT)
    back = pd.read_csv(tmp_path / "t.tsv", sep="\t")
    pd.testing.assert_frame_equal(back, values)
