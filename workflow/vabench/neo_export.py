"""neo Blocks of a run, for users who want neo (``record.neo: true``, ``vabench export-neo``).

The study's own format is the tidy recording (:mod:`vabench.recording`); this module writes
it as one neo Block per population, in the layout of PyNN's ``get_data()`` (one SpikeTrain per
cell with ``source_index``, one AnalogSignal per traced variable with ``channel_index``), and
reads such Blocks back into the tidy tables (the round trip is tested). A run that kept only
its LFP proxy (``traces.npz`` content "lfp") exports its spikes and no AnalogSignal.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from vabench.io import POPULATIONS, DamagedFileError, atomic_path, read_npz, read_spikes
from vabench.recording import TRACE_KEYS

# (name in the Block, unit) of the traced variables, in PyNN's units
TRACE_UNITS = {name: unit for name, (_key, unit) in TRACE_KEYS.items()}


def block_from_arrays(
    label: str,
    n_cells: int,
    spike_cells,
    spike_times_ms,
    t_stop_ms: float,
    traces: dict | None = None,
    traced_cells=None,
    dt_ms: float | None = None,
):
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
    seg.spiketrains.extend(
        [
            neo.SpikeTrain(t, units=pq.ms, t_start=0.0, t_stop=t_stop, source_index=i, source_population=label)
            for i, t in enumerate(per_cell)
        ]
    )
    if traces and traced_cells is not None and len(traced_cells):
        for name, data in traces.items():
            seg.analogsignals.append(
                neo.AnalogSignal(
                    np.asarray(data),
                    units=TRACE_UNITS[name],
                    sampling_period=dt_ms * pq.ms,
                    t_start=0.0 * pq.ms,
                    name=name,
                    array_annotations={"channel_index": np.asarray(traced_cells, dtype=np.int64)},
                )
            )
    block = neo.Block(name=label)
    block.segments.append(seg)
    return block


def blocks_of_run(run_dir, n_cells: dict, t_stop_ms: float) -> dict:
    """``{pop: Block}`` from a run folder's ``spikes.parquet`` and ``traces.npz``."""
    run_dir = Path(run_dir)
    spikes = read_spikes(run_dir / "spikes.parquet")
    traces = read_npz(run_dir / "traces.npz", "trace file") if (run_dir / "traces.npz").exists() else {}
    t = traces.get("t_ms", np.zeros(0))
    dt_ms = float(t[1] - t[0]) if len(t) > 1 else None
    blocks = {}
    for pop in POPULATIONS:
        sp = spikes[spikes["population"] == pop]
        signals = {
            name: np.asarray(traces[f"{pop}_{key}"], np.float64).T
            for name, (key, _unit) in TRACE_KEYS.items()
            if f"{pop}_{key}" in traces and traces[f"{pop}_{key}"].size
        }
        blocks[pop] = block_from_arrays(
            pop,
            n_cells[pop],
            sp["cell"].to_numpy(),
            sp["time_ms"].to_numpy(),
            t_stop_ms,
            signals or None,
            traces.get(f"{pop}_cells"),
            dt_ms,
        )
    return blocks


def export_neo(run_dir, out_dir=None) -> list[Path]:
    """Write ``exc.neo.pkl`` and ``inh.neo.pkl`` (neo's PickleIO) of a run folder into
    ``out_dir`` (default: the run folder); the sizes and t_stop come from its ``run.json``."""
    import neo

    from vabench.runinfo import population_sizes, read_run_info

    run_dir = Path(run_dir)
    out_dir = Path(out_dir or run_dir)
    info = read_run_info(run_dir / "run.json")
    blocks = blocks_of_run(run_dir, population_sizes(info), info["params"]["simulation"]["t_stop_ms"])
    written = []
    for pop, block in blocks.items():
        path = out_dir / f"{pop}.neo.pkl"
        with atomic_path(path) as tmp:
            neo.io.PickleIO(str(tmp)).write_block(block)
        written.append(path)
    return written


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


def spikes_table(blocks: dict):
    """The tidy spike table (:mod:`vabench.recording`) of ``{pop: Block}``."""
    import pandas as pd

    frames = []
    for pop in POPULATIONS:
        sts = run_segment(blocks[pop]).spiketrains
        times = [st.rescale("ms").magnitude.astype(np.float64) for st in sts]
        cells = [
            np.full(len(t), st.annotations.get("source_index", i), dtype=np.int32)
            for i, (st, t) in enumerate(zip(sts, times))
        ]
        frames.append(
            pd.DataFrame(
                {
                    "population": pop,
                    "cell": np.concatenate(cells) if cells else np.empty(0, np.int32),
                    "time_ms": np.concatenate(times) if times else np.empty(0),
                }
            )
        )
    df = pd.concat(frames, ignore_index=True)
    df["population"] = pd.Categorical(df["population"], categories=POPULATIONS)
    return df.sort_values(["population", "time_ms", "cell"], kind="stable").reset_index(drop=True)


def trace_arrays(blocks: dict) -> dict:
    """The float32 traces (cells x samples) and the time axis of ``{pop: Block}``, keyed as in
    ``traces.npz``."""
    arrays = {}
    t_ms = None
    for pop in POPULATIONS:
        signals = {sig.name: sig for sig in run_segment(blocks[pop]).analogsignals}
        cells = np.empty(0, np.int32)
        for name, (key, unit) in TRACE_KEYS.items():
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


def read_neo_run(recordings: dict) -> tuple:
    """(spike table, trace arrays) of ``{pop: path of a .neo.pkl}``."""
    blocks = {pop: read_block(Path(recordings[pop])) for pop in POPULATIONS}
    return spikes_table(blocks), trace_arrays(blocks)
