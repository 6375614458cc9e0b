"""The sustained-activity map's analysis: one row per point of a g_exc x g_inh grid simulated
per backend and network seed (rates, CV, survival, ``sustained``), and the map checked against a
reference engine on the same seeds.

One job simulates ``sweep.rows_per_job`` rows of the grid (:mod:`vabench.grid`; every g_inh of
some g_exc; by default the whole grid) on one network in one process, and still writes one
result folder per point: the fixed cost of a job (process start, imports, loading the network,
a compile) is paid once per job instead of once per point. Engines that can reweight exactly do
so between points; the others rebuild in the same process.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

log = logging.getLogger(__name__)


def row_points(spike_paths, run_paths, analysis: dict) -> pd.DataFrame:
    """One row per point: rates and median CVs over [analysis.t_start_ms, t_stop), spike-count
    chi² over the alive window, survival time and the sustained verdict."""
    from vabench.io import read_spikes
    from vabench.runinfo import population_sizes, read_run_info
    from vabench.spiketrains import cell_table
    from vabench.stats import run_summary

    rows = []
    for sp_path, run_path in zip(spike_paths, run_paths):
        info = read_run_info(run_path)
        n = population_sizes(info)
        t_stop = info["params"]["simulation"]["t_stop_ms"]
        spikes = read_spikes(sp_path)
        cells = cell_table(spikes, n, t_stop, analysis["min_spikes_cv"], analysis["t_start_ms"])
        s = run_summary(spikes, cells, t_stop, analysis, n_cells=n).set_index("population")
        rows.append(
            {
                "backend": info["backend"],
                "g_exc_nS": info["g_exc_nS"],
                "g_inh_nS": info["g_inh_nS"],
                "seed": info["seed"],
                "n_cells": sum(n.values()),
                "t_stop_ms": t_stop,
                "rate_exc_hz": s.loc["exc", "rate_hz"],
                "rate_inh_hz": s.loc["inh", "rate_hz"],
                "cv_exc": s.loc["exc", "cv_isi"],
                "cv_inh": s.loc["inh", "cv_isi"],
                "spike_count_chi2": s.loc["exc", "spike_count_chi2"],
                "survival_ms": s.loc["exc", "survival_ms"],
                "sustained": bool(s["sustained"].iloc[0]),
                "run_s": info["timings_s"]["run_s"],
                "virtual_run": bool(info.get("virtual_run")),
            }
        )
    return pd.DataFrame(rows)


def map_check(map_points: pd.DataFrame, ref_points: pd.DataFrame, compare: dict) -> pd.DataFrame:
    """The map's survival against the reference engine's, paired by seed: one row per checked
    point and one pooled over every (point, seed), with the ensemble verdict's paired test
    (Agresti-Min interval of the difference in fraction sustained, McNemar's p) against
    ``compare.survival_margin``."""
    from vabench.compare import interval_verdict, paired_survival

    keys = ["g_exc_nS", "g_inh_nS", "seed"]
    both = map_points[keys + ["sustained", "rate_exc_hz", "backend"]].merge(
        ref_points[keys + ["sustained", "rate_exc_hz", "backend"]], on=keys, suffixes=("_map", "_ref")
    )
    margin, level = compare["survival_margin"], compare["ci_level"]
    rows = []
    groups = [((gx, gy), df) for (gx, gy), df in both.groupby(["g_exc_nS", "g_inh_nS"])] + [(("all", "all"), both)]
    for (gx, gy), df in groups:
        res = paired_survival(df["sustained_ref"].to_numpy(bool), df["sustained_map"].to_numpy(bool), level)
        verdict = interval_verdict(res["ci_low"], res["ci_high"], margin)
        if len(df) < compare["min_seeds"]:
            verdict = "inconclusive"
        rows.append(
            {
                "g_exc_nS": gx,
                "g_inh_nS": gy,
                "backend_map": df["backend_map"].iloc[0],
                "backend_ref": df["backend_ref"].iloc[0],
                "n_pairs": len(df),
                "sustained_map": float(df["sustained_map"].mean()),
                "sustained_ref": float(df["sustained_ref"].mean()),
                "estimate": res["estimate"],
                "ci_low": res["ci_low"],
                "ci_high": res["ci_high"],
                "margin": margin,
                "p_mcnemar": res["p_value"],
                "discordant": res["n10"] + res["n01"],
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)


def check_table(points_table, checked_dirs, study_runs, analysis: dict, compare: dict, out) -> pd.DataFrame:
    """The map's check table (:func:`map_check`) from the reference's runs: every point folder
    of ``checked_dirs`` and the study's runs ``study_runs`` ([(spikes, run.json), ...]) that the
    check reuses, restricted to the check points of the map."""
    from vabench.io import write_tsv

    points = pd.read_csv(points_table, sep="\t")
    runs = [
        (d / "spikes.parquet", d / "run.json")
        for folder in checked_dirs
        for d in sorted(Path(folder).iterdir())
        if (d / "run.json").exists()
    ] + [tuple(r) for r in study_runs]
    ref = row_points([s for s, _ in runs], [r for _, r in runs], analysis)
    if len(ref):
        ref = ref.sort_values(["seed", "g_exc_nS", "g_inh_nS"], kind="stable").reset_index(drop=True)
    table = map_check(points, ref, compare)
    write_tsv(out, table)
    for row in table.itertuples():
        log.info(
            f"g_exc {row.g_exc_nS} g_inh {row.g_inh_nS}: sustained {row.sustained_map:.0%} ({row.backend_map}) vs "
            f"{row.sustained_ref:.0%} ({row.backend_ref}) over {row.n_pairs} seeds: {row.verdict}"
        )
    return table
