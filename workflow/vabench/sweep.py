"""The sustained-activity map: a g_exc x g_inh grid simulated per backend and network seed.

One job simulates one row of the grid (one g_exc, every g_inh) in one process, and still
writes one result folder per point: the fixed cost of a job (process start, imports,
loading the network) is paid once per row instead of once per point.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)


def axis_values(spec) -> list[float]:
    """A grid axis from a list or from {start, stop, num} (stop included), rounded to 1e-6."""
    if isinstance(spec, dict):
        values = np.linspace(spec["start"], spec["stop"], spec["num"])
    else:
        values = np.asarray(spec, dtype=float)
    return sorted({round(float(v), 6) for v in values})


def simulate_row(network_path, backend: str, g_exc_nS: float, g_inh_values: list[float], params: dict, out_dirs: list,
                 work_dir=None, provenance: dict | None = None) -> list[dict]:
    """Simulate every (g_exc, g_inh) point of one row; write spikes.parquet and run.json per point."""
    from vabench.simulate import run_points

    return run_points(network_path, backend, [(g_exc_nS, g) for g in g_inh_values], params, out_dirs, recordings=False,
                      work_dir=work_dir, provenance=provenance, purpose="map")


def row_points(spike_paths, run_paths, analysis: dict) -> pd.DataFrame:
    """One row per point: rates and median CVs over [analysis.t_start_ms, t_stop), spike-count
    chi² over the alive window, survival time and the sustained verdict."""
    from vabench.analysis import population_sizes, read_run_info
    from vabench.io import read_spikes
    from vabench.stats import cell_table, run_summary

    rows = []
    for sp_path, run_path in zip(spike_paths, run_paths):
        info = read_run_info(run_path)
        n = population_sizes(info)
        t_stop = info["params"]["simulation"]["t_stop_ms"]
        spikes = read_spikes(sp_path)
        cells = cell_table(spikes, n, t_stop, analysis["min_spikes_cv"], analysis["t_start_ms"])
        s = run_summary(spikes, cells, t_stop, analysis, n_cells=n).set_index("population")
        rows.append({
            "backend": info["backend"], "g_exc_nS": info["g_exc_nS"], "g_inh_nS": info["g_inh_nS"], "seed": info["seed"],
            "n_cells": sum(n.values()), "t_stop_ms": t_stop,
            "rate_exc_hz": s.loc["exc", "rate_hz"], "rate_inh_hz": s.loc["inh", "rate_hz"],
            "cv_exc": s.loc["exc", "cv_isi"], "cv_inh": s.loc["inh", "cv_isi"],
            "spike_count_chi2": s.loc["exc", "spike_count_chi2"],
            "survival_ms": s.loc["exc", "survival_ms"],
            "sustained": bool(s["sustained"].iloc[0]),
            "run_s": info["timings_s"]["run_s"],
            "virtual_run": bool(info.get("virtual_run")),
        })
    return pd.DataFrame(rows)
