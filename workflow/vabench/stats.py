"""Population statistics of one run, over the analysis window [t_start, t_stop).

Per population: the aggregates of the per-cell and per-pair measures of
:mod:`vabench.spiketrains` (mean rate, median CV and LV, mean pairwise correlation), and the
spike-count chi² (Golomb's synchrony measure) over the time the network was alive.
Per run: a censored survival time, the end of the last 20 ms bin in which the rate of all
cells was at least ``analysis.sustained_min_rate_hz``; ``sustained`` means it reached t_stop.

The window starts after the thalamic kick (default 200 ms): the kick's first 100 ms run at
about 19 Hz against 16 Hz later, and would bias every rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vabench.io import POPULATIONS


def firing_rates(
    spike_times_by_cell: dict[int, np.ndarray], n_cells: int, t_start_ms: float, t_stop_ms: float
) -> np.ndarray:
    """Rate (Hz) of cells 0..n_cells-1 over [t_start, t_stop); silent cells get 0."""
    rates = np.zeros(n_cells)
    duration_s = (t_stop_ms - t_start_ms) * 1e-3
    for cell, times in spike_times_by_cell.items():
        times = np.asarray(times)
        rates[cell] = np.count_nonzero((times >= t_start_ms) & (times < t_stop_ms)) / duration_s
    return rates


def in_window(spikes: pd.DataFrame, t_start_ms: float, t_stop_ms: float) -> pd.DataFrame:
    t = spikes["time_ms"]
    return spikes[(t >= t_start_ms) & (t < t_stop_ms)]


def population_rate(spikes: pd.DataFrame, population: str | None, n_cells: int, t_stop_ms: float, bin_ms: float = 1.0):
    """Population rate (Hz per cell) in bins of ``bin_ms`` from 0: (bin centres in ms, rate).

    ``population`` None counts every cell (``n_cells`` is then the total). A last partial bin
    is kept with its own width.
    """
    edges = np.arange(0.0, t_stop_ms, bin_ms)
    edges = np.append(edges, t_stop_ms)
    times = spikes["time_ms"] if population is None else spikes.loc[spikes["population"] == population, "time_ms"]
    counts, _ = np.histogram(times, bins=edges)
    return (edges[:-1] + edges[1:]) / 2, counts / (n_cells * np.diff(edges) * 1e-3)


def survival_time(
    spikes: pd.DataFrame, n_cells_total: int, t_stop_ms: float, bin_ms: float = 20.0, min_rate_hz: float = 1.0
) -> float:
    """End (ms) of the last ``bin_ms`` bin in which the rate of all cells was >= ``min_rate_hz``; 0 if none.

    Equal to t_stop when the network was still active in its last bin: the survival time is
    then censored (the network outlived the simulation).
    """
    centres, rate = population_rate(spikes, None, n_cells_total, t_stop_ms, bin_ms)
    alive = np.flatnonzero((rate >= min_rate_hz) & (rate > 0))
    if alive.size == 0:
        return 0.0
    last = alive[-1]
    return float(t_stop_ms) if last == len(rate) - 1 else float(min(centres[last] + bin_ms / 2, t_stop_ms))


def closing_rate(spikes: pd.DataFrame, n_cells_total: int, t_stop_ms: float, window_ms: float) -> float:
    """Mean rate (Hz) over all cells in the closing window [t_stop - window, t_stop]."""
    n = np.count_nonzero(spikes["time_ms"].to_numpy() >= t_stop_ms - window_ms)
    return n / (n_cells_total * window_ms * 1e-3) if n_cells_total else 0.0


def spike_count_chi2(
    spikes: pd.DataFrame, n_cells: dict, t_start_ms: float, t_stop_ms: float, bin_ms: float = 5.0
) -> float:
    """Golomb's synchrony measure on spike counts: Var(population mean count) / mean_i Var(count_i).

    About 1/N for independent cells, 1 for fully synchronous ones; NaN without spikes or with
    fewer than 3 bins. Computed by hand: elephant has no spike-count chi²; it is two variances
    of a binned matrix. Pass the alive window (:func:`survival_time`) as t_stop: silence
    after a network's death would inflate it 5-8 fold.
    """
    edges = np.arange(t_start_ms, t_stop_ms + bin_ms / 2, bin_ms)
    if len(edges) < 4:
        return float("nan")
    offset = {"exc": 0, "inh": n_cells["exc"]}
    n_total = n_cells["exc"] + n_cells["inh"]
    sp = in_window(spikes, t_start_ms, edges[-1])
    if sp.empty:
        return float("nan")
    cell = sp["cell"].to_numpy() + sp["population"].map(offset).astype(int).to_numpy()
    counts = np.zeros((n_total, len(edges) - 1))
    np.add.at(counts, (cell, np.digitize(sp["time_ms"].to_numpy(), edges) - 1), 1)
    mean_var = counts.var(axis=1).mean()
    return float(counts.mean(axis=0).var() / mean_var) if mean_var > 0 else float("nan")


def cell_summary(cells: pd.DataFrame, pairs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per population, the aggregates of the per-cell table and of the pair correlations: cells,
    spikes, mean and SD of the rates, median and mean CV, median LV, cells with a CV, mean
    pairwise correlation and pairs."""
    rows = []
    for pop in POPULATIONS:
        c = cells[cells["population"] == pop]
        corr = pairs.loc[pairs["population"] == pop, "corr"].dropna() if pairs is not None else pd.Series(dtype=float)
        rows.append(
            {
                "population": pop,
                "n_cells": len(c),
                "n_spikes": int(c["n_spikes"].sum()),
                "rate_hz": float(c["rate_hz"].mean()),
                "rate_sd_hz": float(c["rate_hz"].std(ddof=0)),
                "cv_isi": float(c["cv_isi"].median()) if c["cv_isi"].notna().any() else float("nan"),
                "cv_isi_mean": float(c["cv_isi"].mean()) if c["cv_isi"].notna().any() else float("nan"),
                "lv": float(c["lv"].median()) if c["lv"].notna().any() else float("nan"),
                "n_cells_cv": int(c["cv_isi"].notna().sum()),
                "corr": float(corr.mean()) if len(corr) else float("nan"),
                "n_pairs": int(len(corr)),
            }
        )
    return pd.DataFrame(rows)


def network_summary(spikes: pd.DataFrame, n_cells: dict, t_stop_ms: float, analysis: dict) -> pd.DataFrame:
    """Per population, what the spikes of the whole run say: the spike-count chi² over the alive
    window, the last spike, the survival time and ``sustained``, and the window's start."""
    t_start = analysis.get("t_start_ms", 0.0)
    survival = survival_time(
        spikes,
        sum(n_cells.values()),
        t_stop_ms,
        analysis.get("survival_bin_ms", 20.0),
        analysis["sustained_min_rate_hz"],
    )
    chi2 = spike_count_chi2(spikes, n_cells, t_start, min(survival, t_stop_ms))
    rows = []
    for pop in POPULATIONS:
        sp = spikes[spikes["population"] == pop]
        rows.append(
            {
                "population": pop,
                "spike_count_chi2": chi2,
                "last_spike_ms": float(sp["time_ms"].max()) if len(sp) else float("nan"),
                "survival_ms": survival,
                "sustained": bool(survival >= t_stop_ms),
                "t_start_ms": float(t_start),
            }
        )
    return pd.DataFrame(rows)


def run_summary(
    spikes: pd.DataFrame,
    cells: pd.DataFrame,
    t_stop_ms: float,
    analysis: dict,
    pairs: pd.DataFrame | None = None,
    n_cells: dict | None = None,
) -> pd.DataFrame:
    """One row per population over the analysis window: rates, median CV and LV, mean pairwise
    correlation (:func:`cell_summary`), spike-count chi² over the alive window, survival time
    and ``sustained`` (:func:`network_summary`)."""
    if n_cells is None:
        n_cells = {pop: int((cells["population"] == pop).sum()) for pop in POPULATIONS}
    return join_summaries(cell_summary(cells, pairs), network_summary(spikes, n_cells, t_stop_ms, analysis))


def join_summaries(cells_part: pd.DataFrame, network_part: pd.DataFrame) -> pd.DataFrame:
    """The summary rows from their two parts, one row per population, columns in that order."""
    return cells_part.merge(network_part, on="population", how="left", sort=False)
