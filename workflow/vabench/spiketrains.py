"""Spike-train measures per cell and per pair of cells, over the analysis window [t_start, t_stop)
(elephant): rate, CV and LV of the inter-spike intervals of each cell (only from cells with at
least ``analysis.min_spikes_cv`` spikes in the window), and spike-count correlation
coefficients of every pair of a fixed sample of cells per population.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from vabench.io import POPULATIONS
from vabench.stats import in_window

CORRELATION_BIN_MS = 5.0
CORRELATION_CELLS = 100  # 100 cells per population give 4950 pairs: a doubling of the mean correlation shows (README)


def isi_stats(spike_times: np.ndarray, min_spikes: int = 3) -> tuple[float, float]:
    """(CV, LV) of the inter-spike intervals; NaN with fewer than ``min_spikes`` (at least 3) spikes.

    elephant's ``cv`` is scipy's variation (std/mean, ddof=0), the CV of Brette et al. (2007);
    its ``lv`` is Shinomoto's local variation (1 for Poisson, 0 for a regular train).
    """
    from elephant.statistics import cv, lv

    spike_times = np.sort(np.asarray(spike_times, dtype=float))
    if spike_times.size < max(min_spikes, 3):
        return float("nan"), float("nan")
    isi = np.diff(spike_times)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # quantities' deprecation notice inside elephant
        return float(cv(isi)), float(lv(isi, with_nan=True))


def cv_isi(spike_times: np.ndarray, min_spikes: int = 3) -> float:
    """Coefficient of variation of the inter-spike intervals; NaN with fewer than ``min_spikes`` spikes."""
    return isi_stats(spike_times, min_spikes)[0]


def isi_stats_of_cells(times: np.ndarray, cells: np.ndarray, n_cells: int, min_spikes: int = 3):
    """(CV, LV) per cell, from spike ``times`` and their ``cells``; NaN below ``min_spikes`` (at least 3).

    The same numbers as :func:`isi_stats` cell by cell, bit for bit (tested): cells with the same
    spike count go through elephant's ``cv`` as one 2-D array, row by row, and through elephant's
    ``lv`` formula written out for rows, because elephant's ``lv`` takes one train at a time and
    a call per cell cost a map 0.2 s per point.
    """
    from elephant.statistics import cv

    cvs = np.full(n_cells, np.nan)
    lvs = np.full(n_cells, np.nan)
    order = np.lexsort((times, cells))
    times = np.asarray(times, dtype=float)[order]
    counts = np.bincount(cells, minlength=n_cells)[:n_cells]
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    for k in np.unique(counts[counts >= max(min_spikes, 3)]):
        which = np.flatnonzero(counts == k)
        isi = np.diff(times[starts[which, None] + np.arange(k)], axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # quantities' deprecation notice inside elephant
            cvs[which] = cv(isi, axis=1)
        cv_i = np.diff(isi, axis=1) / (isi[:, :-1] + isi[:, 1:])  # elephant.statistics.lv, per row
        lvs[which] = 3.0 * np.mean(np.power(cv_i, 2), axis=1)
    return cvs, lvs


def cell_table(
    spikes: pd.DataFrame, n_cells: dict, t_stop_ms: float, min_spikes_cv: int = 3, t_start_ms: float = 0.0
) -> pd.DataFrame:
    """One row per cell of each population over [t_start, t_stop): population, cell, n_spikes, rate_hz, cv_isi, lv."""
    spikes = in_window(spikes, t_start_ms, t_stop_ms)
    frames = []
    for pop in POPULATIONS:
        sp = spikes[spikes["population"] == pop]
        cells = sp["cell"].to_numpy().astype(np.int64)
        counts = np.bincount(cells, minlength=n_cells[pop])[: n_cells[pop]]
        cvs, lvs = isi_stats_of_cells(sp["time_ms"].to_numpy(), cells, n_cells[pop], min_spikes_cv)
        frames.append(
            pd.DataFrame(
                {
                    "population": pop,
                    "cell": np.arange(n_cells[pop], dtype=np.int32),
                    "n_spikes": counts.astype(np.int64),
                    "rate_hz": counts / ((t_stop_ms - t_start_ms) * 1e-3),
                    "cv_isi": cvs,
                    "lv": lvs,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def correlation_sample(n_active: np.ndarray, k: int = CORRELATION_CELLS, seed: int = 0) -> np.ndarray:
    """Indices of the cells with at least 2 spikes among ``k`` cells drawn with a fixed seed from
    all cells: the same draw on every run of a network, so two simulators' correlations are of
    the same cells (drawn among the active cells, a faster simulator would put other cells in)."""
    drawn = np.arange(n_active.size)
    if drawn.size > k:
        drawn = np.sort(np.random.default_rng(seed).choice(drawn, size=k, replace=False))
    return drawn[n_active[drawn] >= 2]


def pairwise_correlations(
    spikes: pd.DataFrame,
    n_cells: dict,
    t_start_ms: float,
    t_stop_ms: float,
    bin_ms: float = CORRELATION_BIN_MS,
    k: int = CORRELATION_CELLS,
) -> pd.DataFrame:
    """Spike-count correlation coefficients of every pair of a sample of ``k`` cells per population
    (elephant's BinnedSpikeTrain + correlation_coefficient): population, cell_a, cell_b, corr."""
    import neo
    import quantities as pq
    from elephant.conversion import BinnedSpikeTrain
    from elephant.spike_train_correlation import correlation_coefficient

    frames = []
    spikes = in_window(spikes, t_start_ms, t_stop_ms)
    n_bins = int((t_stop_ms - t_start_ms) // bin_ms)
    for pop in POPULATIONS:
        sp = spikes[spikes["population"] == pop]
        counts = np.bincount(sp["cell"].to_numpy(), minlength=n_cells[pop])
        chosen = correlation_sample(counts)
        if n_bins < 3 or chosen.size < 2:
            continue
        stop = t_start_ms + n_bins * bin_ms
        by_cell = dict(tuple(sp.groupby("cell", observed=True)["time_ms"]))
        trains = [
            neo.SpikeTrain(
                np.asarray(by_cell.get(c, []))[np.asarray(by_cell.get(c, [])) < stop],
                t_start=t_start_ms,
                t_stop=stop,
                units="ms",
            )
            for c in chosen
        ]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            binned = BinnedSpikeTrain(trains, bin_size=bin_ms * pq.ms, t_start=t_start_ms * pq.ms, t_stop=stop * pq.ms)
            cc = correlation_coefficient(binned)
        ia, ib = np.triu_indices(chosen.size, k=1)
        frames.append(
            pd.DataFrame(
                {
                    "population": pop,
                    "cell_a": chosen[ia].astype(np.int32),
                    "cell_b": chosen[ib].astype(np.int32),
                    "corr": cc[ia, ib],
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["population", "cell_a", "cell_b", "corr"])
    return pd.concat(frames, ignore_index=True)
