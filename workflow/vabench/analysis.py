"""File-level analysis steps (what the workflow's scripts call): one run's statistics,
the study-wide summary table and the backend agreement table."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from vabench.io import DamagedFileError, read_spikes, write_tsv
from vabench.stats import cell_table, run_summary

log = logging.getLogger(__name__)

VIRTUAL_NOTE = "virtual run: no spikes"


def read_run_info(path) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as err:
        raise DamagedFileError(f"cannot read run record '{path}' ({type(err).__name__}); rebuild it with: snakemake --cores 1 --force '{path}'") from None


def run_note(run_json) -> str | None:
    """What a figure panel should say instead of data (a virtual SpiNNaker run), or None."""
    return VIRTUAL_NOTE if read_run_info(run_json).get("virtual_run") else None


def run_identity(info: dict) -> dict:
    """Columns that say which run a table row comes from."""
    return {"backend": info["backend"], "g_exc_nS": info["g_exc_nS"], "g_inh_nS": info["g_inh_nS"],
            "network_seed": info["seed"], "replicate": int(info["network_params"].get("replicate", 0))}


def population_sizes(info: dict) -> dict:
    net = info["network_params"]["network"]
    n_exc = int(round(net["n_cells"] * net["exc_fraction"]))
    return {"exc": n_exc, "inh": net["n_cells"] - n_exc}


def run_statistics(spikes_path, run_json, analysis: dict, cells_out, summary_out, pairs_out=None) -> pd.DataFrame:
    """Per-cell table, pairwise correlations and the per-population summary of one run,
    over [analysis.t_start_ms, t_stop) (see :mod:`vabench.stats`)."""
    from vabench.stats import pairwise_correlations, survival_time

    info = read_run_info(run_json)
    spikes = read_spikes(spikes_path)
    n_cells = population_sizes(info)
    t_stop = info["params"]["simulation"]["t_stop_ms"]
    t_start = analysis["t_start_ms"]
    cells = cell_table(spikes, n_cells, t_stop, analysis["min_spikes_cv"], t_start)
    alive_until = survival_time(spikes, sum(n_cells.values()), t_stop, analysis["survival_bin_ms"],
                                analysis["sustained_min_rate_hz"])
    pairs = pairwise_correlations(spikes, n_cells, t_start, min(t_stop, alive_until)) if alive_until > t_start else None
    summary = run_summary(spikes, cells, t_stop, analysis, pairs, n_cells)
    for i, (key, value) in enumerate(run_identity(info).items()):
        summary.insert(i, key, value)
    summary["n_cells_network"] = sum(n_cells.values())
    summary["t_stop_ms"] = t_stop
    summary["dt_ms"] = info["params"]["simulation"]["dt_ms"]
    for key, value in info["timings_s"].items():
        summary[key] = value
    summary["peak_memory_mb"] = info["peak_memory_mb"]
    summary["note"] = VIRTUAL_NOTE if info.get("virtual_run") else ""
    write_tsv(cells_out, cells)
    if pairs_out is not None:
        write_tsv(pairs_out, pairs if pairs is not None else pd.DataFrame(columns=["population", "cell_a", "cell_b", "corr"]))
    write_tsv(summary_out, summary)
    for row in summary.itertuples():
        log.info("%s seed %d rep %d %s over [%g, %g) ms: %.2f Hz, median CV %.2f, LV %.2f, corr %.4f; alive until %g ms%s",
                 info["backend"], row.network_seed, row.replicate, row.population, t_start, t_stop, row.rate_hz, row.cv_isi,
                 row.lv, row.corr, row.survival_ms, " (sustained)" if row.sustained else "")
    return summary


def collect_summaries(paths, out) -> pd.DataFrame:
    return collect_tables(paths, out, ["g_exc_nS", "g_inh_nS", "network_seed", "replicate", "backend", "population"])


def mean_psd_exponent(psd_paths, spectra_cfg: dict):
    """``exponent_of(backend, seeds, population)`` for the verdict: the FOOOF exponent of the
    population-rate PSD averaged over the given seeds' runs (replicate 0), with a cache."""
    import numpy as np

    from vabench.spectra import fit_fooof

    psds, fits = {}, {}
    for path in psd_paths:
        df = pd.read_csv(path, sep="\t")
        if df.empty or int(df["replicate"].iloc[0]) != 0:
            continue
        for signal, g in df.groupby("signal"):
            if signal in ("exc_rate", "inh_rate"):
                key = (g["backend"].iloc[0], float(g["g_exc_nS"].iloc[0]), float(g["g_inh_nS"].iloc[0]),
                       int(g["network_seed"].iloc[0]), signal.replace("_rate", ""))
                psds[key] = (g["frequency_hz"].to_numpy(float), g["power"].to_numpy(float))

    def at(g_exc, g_inh):
        def exponent_of(backend, seeds, population):
            key = (backend, population, tuple(sorted(seeds)))
            if key not in fits:
                runs = [psds.get((backend, g_exc, g_inh, int(s), population)) for s in seeds]
                if any(r is None for r in runs):
                    return float("nan")
                power = np.mean([r[1] for r in runs], axis=0)
                fits[key] = fit_fooof(runs[0][0], power, spectra_cfg["freq_range_hz"], spectra_cfg["max_n_peaks"])["exponent"]
            return fits[key]
        return exponent_of
    return at


def backend_agreement(cell_paths, pair_paths, summary_paths, psd_paths, backends, compare: dict, spectra_cfg: dict, out,
                      pairs_out) -> pd.DataFrame:
    """The verdict table (one row per weights x pair x population x statistic) and the
    one-row-per-pair summary (see :mod:`vabench.compare`)."""
    from vabench.compare import agreement_table, pair_summary

    summaries = [pd.read_csv(p, sep="\t") for p in summary_paths]
    where = {}
    for s, cp, pp in zip(summaries, cell_paths, pair_paths):
        r = s.iloc[0]
        where[(r["backend"], int(r["network_seed"]), int(r["replicate"]), float(r["g_exc_nS"]), float(r["g_inh_nS"]))] = (cp, pp)
    summary = pd.concat(summaries, ignore_index=True)
    exponents = mean_psd_exponent(psd_paths, spectra_cfg)
    cache = {}

    def values_at(g_exc, g_inh):
        def values(backend, seed, replicate, kind, population, column):
            paths = where.get((backend, int(seed), int(replicate), g_exc, g_inh))
            if paths is None:
                return None
            path = paths[0] if kind == "cells" else paths[1]
            if path not in cache:
                if len(cache) > 64:  # a few runs' tables at a time, not the whole ensemble's
                    cache.clear()
                cache[path] = pd.read_csv(path, sep="\t")
            df = cache[path]
            return df.loc[df["population"] == population, column].to_numpy(float)
        return values

    frames = []
    for (g_exc, g_inh), runs in summary.groupby(["g_exc_nS", "g_inh_nS"], sort=True):
        frames.append(agreement_table(runs, backends, compare, values_at(float(g_exc), float(g_inh)),
                                      exponents(float(g_exc), float(g_inh))))
    table = pd.concat(frames, ignore_index=True) if frames else agreement_table(summary, backends, compare)
    pairs = pair_summary(table, summary)
    write_tsv(out, table)
    write_tsv(pairs_out, pairs)
    for row in pairs.itertuples():
        log.info("%s vs %s at (%g, %g) nS over %d seeds: %s (%d equivalent, %d inconclusive, %d different%s)",
                 row.backend_a, row.backend_b, row.g_exc_nS, row.g_inh_nS, row.n_seeds, row.verdict, row.n_equivalent,
                 row.n_inconclusive, row.n_different, f": different on {row.different_on}" if row.different_on else "")
    return table


def divergence_table(spike_paths, run_paths, windows_ms, out) -> pd.DataFrame:
    """Matched-spike fractions per time window: every pair of backends on each network, and
    each backend against each of its replicates (the chaos reference)."""
    from vabench.compare import divergence_rows

    runs = {}
    for sp, rp in zip(spike_paths, run_paths):
        info = read_run_info(rp)
        ident = run_identity(info)
        runs[(ident["g_exc_nS"], ident["g_inh_nS"], ident["network_seed"], ident["replicate"], ident["backend"])] = (sp, info)
    backends = list(dict.fromkeys(k[4] for k in runs))
    rows = []
    for (g_exc, g_inh, seed, rep, a), (path_a, info) in sorted(runs.items(), key=lambda kv: kv[0][:4]):
        if rep != 0:
            continue
        spikes_a = read_spikes(path_a)
        tol = info["params"]["simulation"]["dt_ms"]
        others = [(b, 0, "backends") for b in backends[backends.index(a) + 1:]]
        others += [(a, r, "replicate") for (ge, gi, s, r, k) in runs if (ge, gi, s, k) == (g_exc, g_inh, seed, a) and r > 0]
        for b, rep_b, kind in others:
            if (g_exc, g_inh, seed, rep_b, b) not in runs:
                continue
            base = {"g_exc_nS": g_exc, "g_inh_nS": g_inh, "network_seed": seed, "comparison": kind, "backend_a": a,
                    "backend_b": b, "replicate_b": rep_b}
            for r in divergence_rows(spikes_a, read_spikes(runs[(g_exc, g_inh, seed, rep_b, b)][0]), tol, windows_ms):
                rows.append(dict(base, **r))
    table = pd.DataFrame(rows)
    write_tsv(out, table)
    if len(table):
        mean = table.groupby(["comparison", "window_start_ms", "window_stop_ms"])["matched_fraction"].mean().unstack(0)
        log.info("mean matched fraction per window (ms):\n%s", mean.to_string(float_format=lambda x: f"{x:.2f}"))
    return table


def spectra_of_run(spikes_path, traces_path, run_json, spectra_cfg: dict, psd_out, fits_out, summary_path=None):
    """Welch PSDs of one run's population rates and LFP proxy, and their FOOOF fits; a run
    that did not sustain (its ``summary.tsv``) gets PSDs but no fit."""
    from vabench.io import read_npz
    from vabench.spectra import run_signals, run_spectra

    info = read_run_info(run_json)
    sustained = bool(pd.read_csv(summary_path, sep="\t")["sustained"].iloc[0]) if summary_path else True
    signals = run_signals(read_spikes(spikes_path), read_npz(traces_path, "trace file"),
                          population_sizes(info), info["params"]["simulation"]["t_stop_ms"],
                          info["params"]["cell"], spectra_cfg["bin_ms"], spectra_cfg["t_start_ms"])
    psd, fits = run_spectra(signals, spectra_cfg, fit=sustained)
    for table in (psd, fits):
        for i, (key, value) in enumerate(run_identity(info).items()):
            table.insert(i, key, value)
    write_tsv(psd_out, psd)
    write_tsv(fits_out, fits)
    for row in fits.itertuples():
        log.info("%s %s: exponent %.2f, r2 %.3f, %s", info["backend"], row.signal, row.exponent, row.r_squared, row.note or "no peaks")
    return psd, fits


def spectra_tables(fit_paths, psd_paths, summary_path, spectra_cfg: dict, fits_out, ensemble_out, mean_psd_out):
    """Per-run fits in one table; the mean PSD of each backend's surviving runs and its fit."""
    from vabench.spectra import ensemble_spectra

    collect_tables(fit_paths, fits_out, ["g_exc_nS", "g_inh_nS", "signal", "network_seed", "replicate", "backend"])
    psd = pd.concat([pd.read_csv(p, sep="\t") for p in psd_paths], ignore_index=True)
    mean, fits = ensemble_spectra(psd, pd.read_csv(summary_path, sep="\t"), spectra_cfg)
    write_tsv(mean_psd_out, mean)
    write_tsv(ensemble_out, fits)
    for row in fits.itertuples():
        log.info("%s %s, mean of %d surviving runs: exponent %.2f, r2 %.3f", row.backend, row.signal, row.n_runs,
                 row.exponent, row.r_squared)
    return fits


def collect_tables(paths, out, sort_by) -> pd.DataFrame:
    """Concatenate per-run tables into one study table."""
    df = pd.concat([pd.read_csv(p, sep="\t") for p in paths], ignore_index=True)
    df = df.sort_values(sort_by, kind="stable").reset_index(drop=True)
    write_tsv(out, df)
    return df


def provenance_table(run_paths, config_sha256: str, out) -> pd.DataFrame:
    """One row per run (study runs and map points), each from that run's own ``run.json``:
    versions, seed, host, start/end, commit, and the hash of the configuration it was made
    with. ``study_config_sha256`` is the current study's; ``reused`` marks runs made under an
    earlier configuration (an analysis-only change reruns no simulation)."""
    rows = []
    for path in run_paths:
        info = read_run_info(path)
        own = info.get("config_sha256", "unknown")
        row = {"run": "map point" if info.get("purpose") == "map" else "study", "backend": info["backend"], "g_exc_nS": info["g_exc_nS"],
               "g_inh_nS": info["g_inh_nS"], "seed": info["seed"],
               "replicate": int(info.get("network_params", {}).get("replicate", 0)),
               "host": info.get("host"), "started_utc": info.get("started_utc"), "finished_utc": info.get("finished_utc"),
               "timings_s": json.dumps(info.get("timings_s", {}), sort_keys=True),
               "workflow_commit": info.get("workflow_commit", "unknown"), "params_sha256": info.get("params_hash"),
               "config_sha256": own, "study_config_sha256": config_sha256, "reused": own != config_sha256,
               "python": info.get("python")}
        row.update({f"version_{k}": v for k, v in sorted(info.get("versions", {}).items())})
        rows.append(row)
    df = pd.DataFrame(rows).sort_values(["run", "seed", "replicate", "g_exc_nS", "g_inh_nS", "backend"],
                                        ascending=[False, True, True, True, True, True])
    df = df.reset_index(drop=True)
    write_tsv(out, df)
    n_reused = int(df["reused"].sum())
    if n_reused:
        log.info("%d of %d runs were made under an earlier configuration and reused", n_reused, len(df))
    return df
