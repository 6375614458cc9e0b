"""Spike-train statistics of one run: per-cell rate and CV(ISI), population rates, sustained activity."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import variation

from vabench.io import POPULATIONS


def firing_rates(spike_times_by_cell: dict[int, np.ndarray], n_cells: int, t_start_ms: float, t_stop_ms: float) -> np.ndarray:
    """Rate (Hz) of cells 0..n_cells-1 over [t_start, t_stop); silent cells get 0."""
    rates = np.zeros(n_cells)
    duration_s = (t_stop_ms - t_start_ms) * 1e-3
    for cell, times in spike_times_by_cell.items():
        times = np.asarray(times)
        rates[cell] = np.count_nonzero((times >= t_start_ms) & (times < t_stop_ms)) / duration_s
    return rates


def cv_isi(spike_times: np.ndarray, min_spikes: int = 3) -> float:
    """Coefficient of variation of the inter-spike intervals; NaN with fewer than ``min_spikes`` spikes."""
    spike_times = np.sort(np.asarray(spike_times, dtype=float))
    if spike_times.size < max(min_spikes, 3):
        return float("nan")
    # scipy's variation is std/mean with ddof=0, the CV used by Brette et al. (2007)
    return float(variation(np.diff(spike_times)))


def cell_table(spikes: pd.DataFrame, n_cells: dict, t_stop_ms: float, min_spikes_cv: int = 3) -> pd.DataFrame:
    """One row per cell of each population: population, cell, n_spikes, rate_hz, cv_isi."""
    frames = []
    for pop in POPULATIONS:
        sp = spikes[spikes["population"] == pop]
        by_cell = {int(c): g["time_ms"].to_numpy() for c, g in sp.groupby("cell", sort=True)}
        counts = np.zeros(n_cells[pop], dtype=np.int64)
        cvs = np.full(n_cells[pop], np.nan)
        for c, t in by_cell.items():
            counts[c] = t.size
            cvs[c] = cv_isi(t, min_spikes_cv)
        frames.append(pd.DataFrame({
            "population": pop,
            "cell": np.arange(n_cells[pop], dtype=np.int32),
            "n_spikes": counts,
            "rate_hz": counts / (t_stop_ms * 1e-3),
            "cv_isi": cvs,
        }))
    return pd.concat(frames, ignore_index=True)


def population_rate(spikes: pd.DataFrame, population: str, n_cells: int, t_stop_ms: float, bin_ms: float = 1.0):
    """Population rate (Hz per cell) in bins of ``bin_ms``: (bin centres in ms, rate)."""
    edges = np.arange(0.0, t_stop_ms + bin_ms / 2, bin_ms)
    counts, _ = np.histogram(spikes.loc[spikes["population"] == population, "time_ms"], bins=edges)
    return (edges[:-1] + edges[1:]) / 2, counts / (n_cells * bin_ms * 1e-3)


def closing_rate(spikes: pd.DataFrame, n_cells_total: int, t_stop_ms: float, window_ms: float) -> float:
    """Mean rate (Hz) over all cells in the closing window [t_stop - window, t_stop]."""
    n = np.count_nonzero(spikes["time_ms"].to_numpy() >= t_stop_ms - window_ms)
    return n / (n_cells_total * window_ms * 1e-3) if n_cells_total else 0.0


def is_sustained(spikes: pd.DataFrame, n_cells_total: int, t_stop_ms: float, window_ms: float, min_rate_hz: float) -> bool:
    """Self-sustained: the network still fires at >= min_rate_hz in the closing window (and at all)."""
    rate = closing_rate(spikes, n_cells_total, t_stop_ms, window_ms)
    return bool(rate > 0 and rate >= min_rate_hz)


def run_summary(spikes: pd.DataFrame, cells: pd.DataFrame, t_stop_ms: float, analysis: dict) -> pd.DataFrame:
    """One row per population: rate_hz, rate_sd_hz, cv_isi (mean over cells with a CV), sustained..."""
    n_total = len(cells)
    sustained = is_sustained(spikes, n_total, t_stop_ms, analysis["sustained_window_ms"], analysis["sustained_min_rate_hz"])
    rows = []
    for pop in POPULATIONS:
        c = cells[cells["population"] == pop]
        sp = spikes[spikes["population"] == pop]
        rows.append({
            "population": pop,
            "n_cells": len(c),
            "n_spikes": int(c["n_spikes"].sum()),
            "rate_hz": float(c["rate_hz"].mean()),
            "rate_sd_hz": float(c["rate_hz"].std(ddof=0)),
            "cv_isi": float(c["cv_isi"].mean()) if c["cv_isi"].notna().any() else float("nan"),
            "n_cells_cv": int(c["cv_isi"].notna().sum()),
            "closing_rate_hz": closing_rate(sp, len(c), t_stop_ms, analysis["sustained_window_ms"]),
            "last_spike_ms": float(sp["time_ms"].max()) if len(sp) else float("nan"),
            "sustained": sustained,
        })
    return pd.DataFrame(rows)


def synchrony_chi2(spikes: pd.DataFrame, n_cells: dict, t_start_ms: float, t_stop_ms: float, bin_ms: float = 5.0) -> float:
    """Golomb's synchrony measure on spike counts: Var(population mean count) / mean_i Var(count_i).

    About 1/N for independent cells, 1 for fully synchronous ones; NaN without spikes.
    Computed by hand: elephant has no spike-count chi²; it is two variances of a binned matrix.
    """
    edges = np.arange(t_start_ms, t_stop_ms + bin_ms / 2, bin_ms)
    if len(edges) < 3:
        return float("nan")
    offset = {"exc": 0, "inh": n_cells["exc"]}
    n_total = n_cells["exc"] + n_cells["inh"]
    sel = (spikes["time_ms"] >= t_start_ms) & (spikes["time_ms"] < edges[-1])
    sp = spikes[sel]
    if sp.empty:
        return float("nan")
    cell = sp["cell"].to_numpy() + sp["population"].map(offset).astype(int).to_numpy()
    counts = np.zeros((n_total, len(edges) - 1))
    np.add.at(counts, (cell, np.digitize(sp["time_ms"].to_numpy(), edges) - 1), 1)
    mean_var = counts.var(axis=1).mean()
    return float(counts.mean(axis=0).var() / mean_var) if mean_var > 0 else float("nan")
