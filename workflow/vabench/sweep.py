"""The sustained-activity map: a g_exc x g_inh grid simulated per backend and network seed.

One job simulates ``sweep.rows_per_job`` rows of the grid (every g_inh of some g_exc; by
default the whole grid) on one network in one process, and still writes one result folder
per point: the fixed cost of a job (process start, imports, loading the network, a compile)
is paid once per job instead of once per point. Engines that can reweight exactly do so
between points; the others rebuild in the same process.
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


def row_groups(g_exc_values: list[float], rows_per_job: int | None) -> list[list[float]]:
    """The g_exc rows of the grid, in groups of ``rows_per_job`` (None: one group)."""
    k = rows_per_job or len(g_exc_values)
    return [g_exc_values[i:i + k] for i in range(0, len(g_exc_values), k)]


def group_label(rows: list[float]) -> str:
    """The job label of a group of rows: its first and last g_exc (nS)."""
    return f"gexc~{rows[0]!r}-{rows[-1]!r}"


def edge_points(points: pd.DataFrame, n_points: int, benchmark_point) -> list[tuple[float, float]]:
    """The points to check a map against another engine: the ``n_points`` whose fraction of
    seeds that sustained is nearest 1/2 (the edge; ties: lower g_exc, then g_inh), then the
    benchmark point if it is on the grid."""
    frac = points.groupby(["g_exc_nS", "g_inh_nS"])["sustained"].mean().reset_index()
    frac["distance"] = (frac["sustained"] - 0.5).abs()
    frac = frac.sort_values(["distance", "g_exc_nS", "g_inh_nS"], kind="stable")
    chosen = [(float(r.g_exc_nS), float(r.g_inh_nS)) for r in frac.head(n_points).itertuples()]
    bench = (round(float(benchmark_point[0]), 6), round(float(benchmark_point[1]), 6))
    on_grid = {(round(x, 6), round(y, 6)) for x, y in zip(frac["g_exc_nS"], frac["g_inh_nS"])}
    if bench in on_grid and bench not in {(round(x, 6), round(y, 6)) for x, y in chosen}:
        chosen.append(bench)
    return chosen


def map_check(map_points: pd.DataFrame, ref_points: pd.DataFrame, compare: dict) -> pd.DataFrame:
    """The map's survival against the reference engine's, paired by seed: one row per checked
    point and one pooled over every (point, seed), with the ensemble verdict's paired test
    (Agresti-Min interval of the difference in fraction sustained, McNemar's p) against
    ``compare.survival_margin``."""
    from vabench.compare import interval_verdict, paired_survival

    keys = ["g_exc_nS", "g_inh_nS", "seed"]
    both = map_points[keys + ["sustained", "rate_exc_hz", "backend"]].merge(
        ref_points[keys + ["sustained", "rate_exc_hz", "backend"]], on=keys, suffixes=("_map", "_ref"))
    margin, level = compare["survival_margin"], compare["ci_level"]
    rows = []
    groups = [((gx, gy), df) for (gx, gy), df in both.groupby(["g_exc_nS", "g_inh_nS"])] + [(("all", "all"), both)]
    for (gx, gy), df in groups:
        res = paired_survival(df["sustained_ref"].to_numpy(bool), df["sustained_map"].to_numpy(bool), level)
        verdict = interval_verdict(res["ci_low"], res["ci_high"], margin)
        if len(df) < compare["min_seeds"]:
            verdict = "inconclusive"
        rows.append({"g_exc_nS": gx, "g_inh_nS": gy, "backend_map": df["backend_map"].iloc[0],
                     "backend_ref": df["backend_ref"].iloc[0], "n_pairs": len(df),
                     "sustained_map": float(df["sustained_map"].mean()), "sustained_ref": float(df["sustained_ref"].mean()),
                     "estimate": res["estimate"], "ci_low": res["ci_low"], "ci_high": res["ci_high"], "margin": margin,
                     "p_mcnemar": res["p_value"], "discordant": res["n10"] + res["n01"], "verdict": verdict})
    return pd.DataFrame(rows)
