"""The study-wide tables (what the workflow's aggregate scripts call): the summary, the verdict,
the divergence, the spectra and the provenance tables, from the per-block tables of the
extract and statistics stages (:mod:`vabench.extract`, :mod:`vabench.run_analysis`) and the
runs' recordings; and the helpers that read a run record."""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd

from vabench.io import read_spikes, write_tsv
from vabench.runinfo import read_run_info, run_identity

log = logging.getLogger(__name__)


def collect_summaries(paths, out) -> pd.DataFrame:
    return collect_tables(paths, out, ["g_exc_nS", "g_inh_nS", "network_seed", "replicate", "backend", "population"])


def mean_psd_exponent(psd_paths, spectra_cfg: dict):
    """``exponent_of(backend, seeds, population)`` for the verdict: the FOOOF exponent of the
    population-rate PSD averaged over the given seeds' runs (replicate 0), with a cache."""

    from vabench.spectra import fit_fooof

    psds, fits = {}, {}
    for path in psd_paths:
        df = pd.read_csv(path, sep="\t")
        if df.empty:
            continue
        df = df[df["replicate"] == 0]
        for (backend, g_exc, g_inh, seed, signal), g in df.groupby(
            ["backend", "g_exc_nS", "g_inh_nS", "network_seed", "signal"], sort=False
        ):
            if signal in ("exc_rate", "inh_rate"):
                key = (backend, float(g_exc), float(g_inh), int(seed), signal.replace("_rate", ""))
                psds[key] = (g["frequency_hz"].to_numpy(float), g["power"].to_numpy(float))

    def at(g_exc, g_inh):
        def exponent_of(backend, seeds, population):
            key = (backend, g_exc, g_inh, population, tuple(sorted(seeds)))  # one fit per weight set
            if key not in fits:
                runs = [psds.get((backend, g_exc, g_inh, int(s), population)) for s in seeds]
                if any(r is None for r in runs):
                    return float("nan")
                power = np.mean([r[1] for r in runs], axis=0)
                fits[key] = fit_fooof(runs[0][0], power, spectra_cfg["freq_range_hz"], spectra_cfg["max_n_peaks"])[
                    "exponent"
                ]
            return fits[key]

        return exponent_of

    return at


def run_values(paths) -> dict:
    """Per-cell or per-pair values of every run in block tables (cells.tsv, pairs.tsv):
    ``{(backend, seed, replicate, g_exc, g_inh, population): DataFrame}``."""
    out = {}
    for path in paths:
        df = pd.read_csv(path, sep="\t")
        for (backend, seed, rep, g_exc, g_inh, pop), g in df.groupby(
            ["backend", "network_seed", "replicate", "g_exc_nS", "g_inh_nS", "population"], sort=False
        ):
            out[(backend, int(seed), int(rep), float(g_exc), float(g_inh), pop)] = g
    return out


def backend_agreement(
    cell_paths,
    pair_paths,
    summary_paths,
    psd_paths,
    backends,
    compare: dict,
    spectra_cfg: dict,
    out,
    pairs_out,
    conventions_path=None,
) -> pd.DataFrame:
    """The verdict table (one row per weights x pair x population x statistic) and the
    one-row-per-pair summary (see :mod:`vabench.compare`), from the blocks' tables."""
    from vabench.compare import agreement_table, pair_summary

    summary = pd.concat([pd.read_csv(p, sep="\t") for p in summary_paths], ignore_index=True)
    tables = {"cells": run_values(cell_paths), "pairs": run_values(pair_paths)}
    exponents = mean_psd_exponent(psd_paths, spectra_cfg)

    def values_at(g_exc, g_inh):
        def values(backend, seed, replicate, kind, population, column):
            if (backend, int(seed), int(replicate), g_exc, g_inh, "exc") not in tables["cells"]:
                return None  # no such run
            df = tables[kind].get((backend, int(seed), int(replicate), g_exc, g_inh, population))
            # by cell (or cell pair), so that two runs are compared on the same cells
            key = ["cell"] if kind == "cells" else ["cell_a", "cell_b"]
            return df.set_index(key)[column].astype(float) if df is not None else pd.Series(dtype=float)

        return values

    frames = []
    for (g_exc, g_inh), runs in summary.groupby(["g_exc_nS", "g_inh_nS"], sort=True):
        frames.append(
            agreement_table(
                runs, backends, compare, values_at(float(g_exc), float(g_inh)), exponents(float(g_exc), float(g_inh))
            )
        )
    table = pd.concat(frames, ignore_index=True) if frames else agreement_table(summary, backends, compare)
    from vabench.convention_table import read_conventions

    pairs = pair_summary(table, summary, read_conventions(conventions_path))
    write_tsv(out, table)
    write_tsv(pairs_out, pairs)
    for row in pairs.itertuples():
        log.info(
            "%s vs %s at (%g, %g) nS over %d seeds: %s (%d equivalent, %d inconclusive, %d different%s)",
            row.backend_a,
            row.backend_b,
            row.g_exc_nS,
            row.g_inh_nS,
            row.n_seeds,
            row.verdict,
            row.n_equivalent,
            row.n_inconclusive,
            row.n_different,
            f": different on {row.different_on}" if row.different_on else "",
        )
    return table


def divergence_table(spike_paths, run_paths, windows_ms, out) -> pd.DataFrame:
    """Matched-spike fractions per time window: every pair of backends on each network, and
    each backend against each of its replicates (the chaos reference)."""
    from vabench.compare import divergence_rows

    runs = {}
    for sp, rp in zip(spike_paths, run_paths):
        info = read_run_info(rp)
        ident = run_identity(info)
        runs[(ident["g_exc_nS"], ident["g_inh_nS"], ident["network_seed"], ident["replicate"], ident["backend"])] = (
            sp,
            info,
        )
    backends = list(dict.fromkeys(k[4] for k in runs))
    rows = []
    for (g_exc, g_inh, seed, rep, a), (path_a, info) in sorted(runs.items(), key=lambda kv: kv[0][:4]):
        if rep != 0:
            continue
        spikes_a = read_spikes(path_a)
        tol = info["params"]["simulation"]["dt_ms"]
        others = [(b, 0, "backends") for b in backends[backends.index(a) + 1 :]]
        others += [
            (a, r, "replicate") for (ge, gi, s, r, k) in runs if (ge, gi, s, k) == (g_exc, g_inh, seed, a) and r > 0
        ]
        for b, rep_b, kind in others:
            if (g_exc, g_inh, seed, rep_b, b) not in runs:
                continue
            base = {
                "g_exc_nS": g_exc,
                "g_inh_nS": g_inh,
                "network_seed": seed,
                "comparison": kind,
                "backend_a": a,
                "backend_b": b,
                "replicate_b": rep_b,
            }
            for r in divergence_rows(spikes_a, read_spikes(runs[(g_exc, g_inh, seed, rep_b, b)][0]), tol, windows_ms):
                rows.append(dict(base, **r))
    # a study with one backend and no replicates has nothing to pair: the table keeps its header
    columns = ["g_exc_nS", "g_inh_nS", "network_seed", "comparison", "backend_a", "backend_b", "replicate_b"]
    columns += ["window_start_ms", "window_stop_ms", "n_a", "n_b", "matched_fraction"]
    table = pd.DataFrame(rows, columns=columns)
    write_tsv(out, table)
    if len(table):
        mean = table.groupby(["comparison", "window_start_ms", "window_stop_ms"])["matched_fraction"].mean().unstack(0)
        log.info("mean matched fraction per window (ms):\n%s", mean.to_string(float_format=lambda x: f"{x:.2f}"))
    return table


def spectra_tables(fit_paths, psd_paths, summary_path, spectra_cfg: dict, fits_out, ensemble_out, mean_psd_out):
    """Per-run fits in one table; the mean PSD of each backend's surviving runs and its fit."""
    from vabench.spectra import ensemble_spectra

    collect_tables(fit_paths, fits_out, ["g_exc_nS", "g_inh_nS", "signal", "network_seed", "replicate", "backend"])
    psd = pd.concat([pd.read_csv(p, sep="\t") for p in psd_paths], ignore_index=True)
    mean, fits = ensemble_spectra(psd, pd.read_csv(summary_path, sep="\t"), spectra_cfg)
    write_tsv(mean_psd_out, mean)
    write_tsv(ensemble_out, fits)
    for row in fits.itertuples():
        log.info(
            "%s %s, mean of %d surviving runs: exponent %.2f, r2 %.3f",
            row.backend,
            row.signal,
            row.n_runs,
            row.exponent,
            row.r_squared,
        )
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
        row = {
            "run": "map point" if info.get("purpose") == "map" else "study",
            "backend": info["backend"],
            "g_exc_nS": info["g_exc_nS"],
            "g_inh_nS": info["g_inh_nS"],
            "seed": info["seed"],
            "replicate": int(info.get("network_params", {}).get("replicate", 0)),
            "host": info.get("host"),
            "started_utc": info.get("started_utc"),
            "finished_utc": info.get("finished_utc"),
            "timings_s": json.dumps(info.get("timings_s", {}), sort_keys=True),
            "workflow_commit": info.get("workflow_commit", "unknown"),
            "params_sha256": info.get("params_hash"),
            "config_sha256": own,
            "study_config_sha256": config_sha256,
            "reused": own != config_sha256,
            "python": info.get("python"),
        }
        row.update({f"version_{k}": v for k, v in sorted(info.get("versions", {}).items())})
        rows.append(row)
    df = pd.DataFrame(rows).sort_values(
        ["run", "seed", "replicate", "g_exc_nS", "g_inh_nS", "backend"], ascending=[False, True, True, True, True, True]
    )
    df = df.reset_index(drop=True)
    write_tsv(out, df)
    n_reused = int(df["reused"].sum())
    if n_reused:
        log.info("%d of %d runs were made under an earlier configuration and reused", n_reused, len(df))
    return df
