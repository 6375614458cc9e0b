"""Turn a run's neo recordings into a spike table and compact trace arrays (see :mod:`vabench.io`)."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import numpy as np
import pandas as pd

from vabench.io import POPULATIONS, DamagedFileError, write_npz, write_spikes

log = logging.getLogger(__name__)

SIGNALS = {"v": ("v_mV", "mV"), "gsyn_exc": ("gsyn_exc_uS", "uS"), "gsyn_inh": ("gsyn_inh_uS", "uS")}


def read_block(path):
    import neo

    try:
        return neo.io.PickleIO(str(path)).read_block()
    except (pickle.UnpicklingError, EOFError, OSError, ValueError, AttributeError) as err:
        raise DamagedFileError(
            f"cannot read recording '{path}' ({type(err).__name__}); rebuild it with: snakemake --cores 1 --force '{path}'"
        ) from None


def run_segment(block):
    """The segment that holds the run: the last one (PyNN adds a segment per reset; the newest
    run is the last). Spikes and traces both come from it."""
    return block.segments[-1]


def spikes_table(blocks: dict) -> pd.DataFrame:
    frames = []
    for pop in POPULATIONS:
        sts = run_segment(blocks[pop]).spiketrains
        times = [st.rescale("ms").magnitude.astype(np.float64) for st in sts]
        cells = [np.full(len(t), st.annotations.get("source_index", i), dtype=np.int32) for i, (st, t) in enumerate(zip(sts, times))]
        frames.append(pd.DataFrame({
            "population": pop,
            "cell": np.concatenate(cells) if cells else np.empty(0, np.int32),
            "time_ms": np.concatenate(times) if times else np.empty(0),
        }))
    df = pd.concat(frames, ignore_index=True)
    df["population"] = pd.Categorical(df["population"], categories=POPULATIONS)
    return df.sort_values(["population", "time_ms", "cell"], kind="stable").reset_index(drop=True)


def trace_arrays(blocks: dict) -> dict:
    arrays = {}
    t_ms = None
    for pop in POPULATIONS:
        signals = {sig.name: sig for sig in run_segment(blocks[pop]).analogsignals}
        cells = np.empty(0, np.int32)
        for name, (key, unit) in SIGNALS.items():
            if name not in signals:
                arrays[f"{pop}_{key}"] = np.empty((0, 0), np.float32)
                continue
            sig = signals[name]
            arrays[f"{pop}_{key}"] = sig.rescale(unit).magnitude.T.astype(np.float32)
            cells = np.asarray(sig.array_annotations.get("channel_index", np.arange(sig.shape[1])), dtype=np.int32)
            if t_ms is None:
                t_ms = sig.times.rescale("ms").magnitude.astype(np.float64)
        arrays[f"{pop}_cells"] = cells
    arrays["t_ms"] = t_ms if t_ms is not None else np.empty(0)
    return arrays


def extract(recordings: dict, spikes_path, traces_path) -> None:
    """``recordings`` maps population name to its ``.neo.pkl`` path."""
    blocks = {pop: read_block(Path(recordings[pop])) for pop in POPULATIONS}
    spikes = spikes_table(blocks)
    write_spikes(spikes_path, spikes)
    traces = trace_arrays(blocks)
    write_npz(traces_path, **traces)
    n_segments = {pop: len(blocks[pop].segments) for pop in POPULATIONS}
    if max(n_segments.values()) > 1:
        log.info("the recordings hold %s segments; spikes and traces are read from the last one", n_segments)
    log.info("extracted %d spikes and traces of %d + %d cells", len(spikes), len(traces["exc_cells"]), len(traces["inh_cells"]))
