"""The tidy recording of one run, written once by the simulate job from the engine's arrays.

Every run folder holds

``spikes.parquet``  one row per spike: ``population`` (dictionary: exc/inh), ``cell`` (int32,
                    index within the population), ``time_ms`` (float64); sorted by population,
                    time, cell;
``traces.npz``      the traces, with their units in the key names and a time axis:

                    - always: ``t_ms`` (float64, the sample times from 0), ``exc_lfp_proxy_nA``
                      (float64, per sample: the LFP proxy of the traced excitatory cells, see
                      :func:`lfp_proxy`; empty on current synapses, CUBA, which record no
                      conductance), ``exc_cells`` and ``inh_cells`` (int32, the traced
                      cells), ``meta_json`` (units, sampling step, what the file holds);
                    - ``content`` "full" (the runs a figure shows, the Fig. 24 network): also
                      ``<pop>_v_mV``, ``<pop>_gsyn_exc_uS``, ``<pop>_gsyn_inh_uS`` (float32,
                      traced cells x samples; the gsyn arrays 0 x 0 for CUBA);
                    - ``content`` "lfp" (every other run): no more. The spectra need only the LFP
                      proxy; full traces of 100 + 100 cells are 20 MB a run.

A map point records spikes only. No neo file is written: :mod:`vabench.neo_export` writes
neo Blocks from these files for users who want them (``record.neo``, ``vabench export-neo``).

The float32 traces and the LFP proxy are exactly what the earlier pipeline (neo pickle, then
extraction) gave: the same casts, the same memory layout and the same time axis, so the
spectra are unchanged to the last bit (tested).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from vabench.io import POPULATIONS, atomic_path, write_npz

# name in the engine's traces: (key suffix in traces.npz, unit)
TRACE_KEYS = {"v": ("v_mV", "mV"), "gsyn_exc": ("gsyn_exc_uS", "uS"), "gsyn_inh": ("gsyn_inh_uS", "uS")}
LFP_KEY = "exc_lfp_proxy_nA"
TRACE_CONTENT = ("full", "lfp")


def sample_times(n_samples: int, dt_ms: float) -> np.ndarray:
    """Sample times (ms) from 0, computed as neo computes an AnalogSignal's ``times``
    (t_start + i / sampling_rate), which the spectra's binning has always used."""
    return 0.0 + np.arange(n_samples) / (1.0 / float(dt_ms))


def as_stored(samples_by_cells) -> np.ndarray:
    """An engine's trace (samples x cells) as stored: float32, cells x samples, in the memory
    layout (Fortran order) that the LFP proxy's mean over cells has always been taken in."""
    return np.ascontiguousarray(np.asarray(samples_by_cells, np.float64)).T.astype(np.float32)


def lfp_proxy(v_mV, gsyn_exc_uS, gsyn_inh_uS, e_rev_E: float, e_rev_I: float) -> np.ndarray:
    """Mean over cells of the summed absolute synaptic currents |g_e (v - E_e)| + |g_i (v - E_i)|
    (nA; uS x mV), the proxy of Mazzoni et al. (2015) for a local field potential. Arrays are
    cells x samples (as stored); one value per sample."""
    v, ge, gi = (np.asarray(x, float) for x in (v_mV, gsyn_exc_uS, gsyn_inh_uS))
    current = np.abs(ge * (v - e_rev_E)) + np.abs(gi * (v - e_rev_I))
    return current.mean(axis=0)


def spikes_arrays(spikes: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(population code 0 exc / 1 inh, cell, time_ms) of every spike, sorted by population,
    time and cell (stable), from an engine's ``{pop: (cells, times_ms)}``."""
    pops, cells, times = [], [], []
    for code, pop in enumerate(POPULATIONS):
        c, t = spikes.get(pop, (np.zeros(0, np.int32), np.zeros(0)))
        pops.append(np.full(len(c), code, np.int8))
        cells.append(np.asarray(c, np.int32))
        times.append(np.asarray(t, np.float64))
    pop, cell, time = np.concatenate(pops), np.concatenate(cells), np.concatenate(times)
    order = np.lexsort((cell, time, pop))  # stable: the last key is the primary one
    return pop[order], cell[order], time[order]


def write_spikes_table(path, spikes: dict) -> None:
    """``spikes.parquet`` from an engine's spikes, with pyarrow (the simulate job needs no pandas)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pop, cell, time = spikes_arrays(spikes)
    population = pa.DictionaryArray.from_arrays(pa.array(pop, pa.int8()), pa.array(list(POPULATIONS)))
    table = pa.table(
        {"population": population, "cell": pa.array(cell, pa.int32()), "time_ms": pa.array(time, pa.float64())}
    )
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def trace_arrays(traces: dict, traced: dict, dt_ms: float, cell: dict, content: str) -> dict:
    """The arrays of ``traces.npz`` from an engine's traces (``{pop: {variable: samples x
    cells}}``), the traced cells and the cell parameters (reversal potentials)."""
    if content not in TRACE_CONTENT:
        raise ValueError(f"trace content {content!r}; allowed values: {', '.join(TRACE_CONTENT)}")
    arrays, n_samples = {}, 0
    for pop in POPULATIONS:
        data = traces.get(pop) or {}
        cells = np.asarray(traced.get(pop, []), np.int32) if data else np.zeros(0, np.int32)
        arrays[f"{pop}_cells"] = cells
        for name, (key, _unit) in TRACE_KEYS.items():
            stored = as_stored(data[name]) if name in data else np.empty((0, 0), np.float32)
            n_samples = max(n_samples, stored.shape[1])
            arrays[f"{pop}_{key}"] = stored
    exc = [arrays[f"exc_{TRACE_KEYS[name][0]}"] for name in TRACE_KEYS]
    # current synapses (CUBA) record no conductance, so no proxy: the spectra then use the rates only
    has_proxy = all(x.size for x in exc)
    arrays[LFP_KEY] = lfp_proxy(*exc, cell["e_rev_E"], cell["e_rev_I"]) if has_proxy else np.zeros(0)
    arrays["t_ms"] = sample_times(n_samples, dt_ms) if n_samples else np.zeros(0)
    meta = {
        "content": content,
        "dt_ms": float(dt_ms),
        "layout": "cells x samples",
        "units": {f"{pop}_{key}": unit for pop in POPULATIONS for key, unit in TRACE_KEYS.values()}
        | {LFP_KEY: "nA", "t_ms": "ms"},
        "lfp_proxy": "mean over the traced excitatory cells of |gsyn_exc (v - e_rev_E)| + |gsyn_inh (v - e_rev_I)|",
    }
    if content == "lfp":
        for pop in POPULATIONS:
            for key, _unit in TRACE_KEYS.values():
                del arrays[f"{pop}_{key}"]
        meta["units"] = {LFP_KEY: "nA", "t_ms": "ms"}
    arrays["meta_json"] = np.array(json.dumps(meta))
    return arrays


def write_recordings(
    out_dir, spikes: dict, traces: dict, traced: dict, dt_ms: float, cell: dict, content: str | None
) -> dict:
    """Write the run's tidy recordings into ``out_dir``: ``spikes.parquet`` always,
    ``traces.npz`` unless ``content`` is None (a map point). Returns the spike count per population."""
    out_dir = Path(out_dir)
    write_spikes_table(out_dir / "spikes.parquet", spikes)
    if content is not None:
        write_npz(out_dir / "traces.npz", **trace_arrays(traces, traced, dt_ms, cell, content))
    return {pop: int(len(spikes[pop][1])) for pop in POPULATIONS}


def trace_meta(traces: dict) -> dict:
    """The ``meta_json`` of a loaded ``traces.npz`` (an empty dict for files without one)."""
    return json.loads(str(traces["meta_json"])) if "meta_json" in traces else {}
