"""The sustained-activity map: a g_exc x g_inh grid simulated per backend and network seed.

One job simulates one row of the grid (one g_exc, every g_inh) in one process, and still
writes one result folder per point: the fixed cost of a job (process start, imports,
loading the network) is paid once per row instead of once per point.
"""

from __future__ import annotations

import datetime as _dt
import logging
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from vabench.backends import get_backend
from vabench.config import weights_label
from vabench.extract import spikes_table
from vabench.io import POPULATIONS, write_json, write_spikes
from vabench.network import load_network
from vabench.provenance import git_commit
from vabench.simulate import _peak_rss_mb, build_model

log = logging.getLogger(__name__)


def axis_values(spec) -> list[float]:
    """A grid axis from a list or from {start, stop, num} (stop included), rounded to 1e-6."""
    if isinstance(spec, dict):
        values = np.linspace(spec["start"], spec["stop"], spec["num"])
    else:
        values = np.asarray(spec, dtype=float)
    return sorted({round(float(v), 6) for v in values})


def simulate_row(network_path, backend: str, g_exc_nS: float, g_inh_values: list[float], params: dict, out_dirs: list,
                 provenance: dict | None = None) -> list[dict]:
    """Simulate every (g_exc, g_inh) point of one row; write spikes.parquet and run.json per point."""
    t_job = time.perf_counter()
    started = _dt.datetime.now(_dt.timezone.utc)
    mod = get_backend(backend)
    sim = mod.import_sim()
    net = load_network(network_path)
    seed = int(net["params"]["network"]["seed"])
    s = params["simulation"]
    fixed_s = time.perf_counter() - t_job
    log.info("%s row g_exc %g nS: %d points, imports and network loaded in %.1f s", backend, g_exc_nS, len(g_inh_values), fixed_s)
    infos = []
    model = None
    for i, (g_inh_nS, out_dir) in enumerate(zip(g_inh_values, out_dirs)):
        timings = {}
        t0 = time.perf_counter()
        if model is None or mod.REBUILD_PER_POINT:
            mod.setup(sim, s["dt_ms"], s["delay_ms"], s["threads"], seed)
            model = build_model(sim, mod, net, params["cell"], g_exc_nS, g_inh_nS, params["stimulus"]["weight_nS"], s["delay_ms"], 0)
        else:
            sim.reset()
            for name, prj in model["projections"].items():
                if name in ("e2e", "e2i", "i2e", "i2i"):
                    mod.set_weight(prj, (g_exc_nS if name[0] == "e" else g_inh_nS) * 1e-3)
        timings["build_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        sim.run(s["t_stop_ms"])
        timings["run_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        spikes = _spikes(mod, model["populations"])
        write_spikes(Path(out_dir) / "spikes.parquet", spikes)
        timings["write_s"] = time.perf_counter() - t0
        if mod.REBUILD_PER_POINT:
            sim.end()
        info = {
            "backend": backend, "g_exc_nS": float(g_exc_nS), "g_inh_nS": float(g_inh_nS), "seed": seed,
            "network_file": str(network_path), "network_params": net["params"], "point": weights_label(g_exc_nS, g_inh_nS),
            "n_spikes": int(len(spikes)), "timings_s": timings, "row_fixed_s": fixed_s, "row_points": len(g_inh_values),
            "peak_memory_mb": _peak_rss_mb(), "versions": mod.versions(), "python": platform.python_version(),
            "host": platform.node(), "started_utc": started.isoformat(),
            "finished_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(),
            "params": {k: params[k] for k in ("cell", "stimulus", "simulation")},
            "workflow_commit": git_commit(),
            **(provenance or {}),
        }
        write_json(Path(out_dir) / "run.json", info)
        infos.append(info)
        log.info("%s point %d/%d (g_exc %g, g_inh %g nS): %d spikes; build %.2f s, run %.1f s, write %.2f s", backend,
                 i + 1, len(g_inh_values), g_exc_nS, g_inh_nS, len(spikes), timings["build_s"], timings["run_s"], timings["write_s"])
    if not mod.REBUILD_PER_POINT and model is not None:
        sim.end()
    return infos


def _spikes(mod, populations) -> pd.DataFrame:
    """The spike table of the last run; through the backend's fast path where it has one."""
    if not hasattr(mod, "spike_events"):
        return spikes_table({pop: populations[pop].get_data("spikes", clear=True) for pop in POPULATIONS})
    frames = []
    for pop in POPULATIONS:
        cells, times = mod.spike_events(populations[pop])  # already cut at the end of the run, as PyNN does
        frames.append(pd.DataFrame({"population": pop, "cell": cells, "time_ms": times}))
    df = pd.concat(frames, ignore_index=True)
    df["population"] = pd.Categorical(df["population"], categories=POPULATIONS)
    return df.sort_values(["population", "time_ms", "cell"], kind="stable").reset_index(drop=True)


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
        })
    return pd.DataFrame(rows)
