"""The population signals of one run that the spectra analyse, sampled every ``bin_ms`` from
``t_start_ms`` (after the thalamic kick) to t_stop:

- ``exc_rate``, ``inh_rate``: population rates (spikes per cell per second, Hz);
- ``lfp_proxy``: the LFP proxy of the traced excitatory cells (nA, :func:`vabench.recording.lfp_proxy`),
  averaged within each bin; NaN when no cell was traced.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from vabench.io import atomic_path, read_npz
from vabench.recording import LFP_KEY, TRACE_KEYS, lfp_proxy
from vabench.stats import population_rate

SIGNALS = ("exc_rate", "inh_rate", "lfp_proxy")


def run_lfp(traces: dict, cell: dict) -> np.ndarray:
    """The LFP proxy per sample of a loaded ``traces.npz``: stored by the simulate job, or
    computed from full traces (a file written another way, e.g. read from neo)."""
    stored = traces.get(LFP_KEY)
    if stored is not None and np.asarray(stored).size:
        return np.asarray(stored, float)
    v, ge, gi = (np.asarray(traces.get(f"exc_{TRACE_KEYS[k][0]}", np.empty((0, 0))), float) for k in TRACE_KEYS)
    if not (v.size and ge.size and gi.size):  # no conductances recorded (current synapses)
        return np.zeros(0)
    return lfp_proxy(v, ge, gi, cell["e_rev_E"], cell["e_rev_I"])


def run_signals(
    spikes: pd.DataFrame, traces: dict, n_cells: dict, t_stop_ms: float, cell: dict, bin_ms: float, t_start_ms: float
) -> dict:
    """The three signals of one run, sampled every ``bin_ms`` in [t_start_ms, t_stop_ms)."""
    out = {}
    for pop in ("exc", "inh"):
        centres, rate = population_rate(spikes, pop, n_cells[pop], t_stop_ms, bin_ms)
        out[f"{pop}_rate"] = rate[centres >= t_start_ms]
    n_bins = len(out["exc_rate"])
    lfp = run_lfp(traces, cell)
    if lfp.size == 0:
        out["lfp_proxy"] = np.full(n_bins, np.nan)
        return out
    t = np.asarray(traces["t_ms"])
    edges = np.arange(0.0, t_stop_ms + bin_ms / 2, bin_ms)
    idx = np.digitize(t, edges) - 1
    ok = (idx >= 0) & (idx < len(edges) - 1)
    sums = np.bincount(idx[ok], weights=lfp[ok], minlength=len(edges) - 1)
    counts = np.bincount(idx[ok], minlength=len(edges) - 1)
    binned = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    centres = (edges[:-1] + edges[1:]) / 2
    out["lfp_proxy"] = binned[centres >= t_start_ms]
    return out


def write_signals(path, runs: list[dict]) -> None:
    """``signals.npz`` of a block: ``runs_json`` (the runs' identities, in order) and
    ``<k>_<signal>`` (float64) for the k-th run."""
    arrays = {"runs_json": np.array(json.dumps([r["ident"] for r in runs]))}
    for k, run in enumerate(runs):
        for name, values in run["signals"].items():
            arrays[f"{k}_{name}"] = np.asarray(values, np.float64)
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, **arrays)  # float64 kept exactly: the spectra are fitted on these values


def read_signals(path) -> list[tuple[dict, dict]]:
    """[(identity, {signal: array}), ...] of a block's ``signals.npz``, in the block's order."""
    data = read_npz(path, "signal file")
    idents = json.loads(str(data["runs_json"]))
    return [
        (ident, {name: data[f"{k}_{name}"] for name in SIGNALS if f"{k}_{name}" in data})
        for k, ident in enumerate(idents)
    ]
