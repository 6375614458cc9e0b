"""File-level analysis steps (what the workflow's scripts call): one run's statistics,
the study-wide summary table and the backend agreement table."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from vabench.compare import agreement_table
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


def run_statistics(spikes_path, run_json, analysis: dict, cells_out, summary_out) -> pd.DataFrame:
    info = read_run_info(run_json)
    spikes = read_spikes(spikes_path)
    net = info["network_params"]["network"]
    n_exc = int(round(net["n_cells"] * net["exc_fraction"]))
    n_cells = {"exc": n_exc, "inh": net["n_cells"] - n_exc}
    t_stop = info["params"]["simulation"]["t_stop_ms"]
    cells = cell_table(spikes, n_cells, t_stop, analysis["min_spikes_cv"])
    summary = run_summary(spikes, cells, t_stop, analysis)
    summary.insert(0, "backend", info["backend"])
    summary.insert(1, "g_exc_nS", info["g_exc_nS"])
    summary.insert(2, "g_inh_nS", info["g_inh_nS"])
    summary["network_seed"] = info["seed"]
    summary["n_cells_network"] = net["n_cells"]
    summary["t_stop_ms"] = t_stop
    summary["dt_ms"] = info["params"]["simulation"]["dt_ms"]
    for key, value in info["timings_s"].items():
        summary[key] = value
    summary["peak_memory_mb"] = info["peak_memory_mb"]
    summary["note"] = VIRTUAL_NOTE if info.get("virtual_run") else ""
    write_tsv(cells_out, cells)
    write_tsv(summary_out, summary)
    for row in summary.itertuples():
        log.info("%s %s: %.2f Hz, CV %.2f, sustained %s", info["backend"], row.population, row.rate_hz, row.cv_isi, row.sustained)
    return summary


def collect_summaries(paths, out) -> pd.DataFrame:
    return collect_tables(paths, out, ["g_exc_nS", "g_inh_nS", "backend", "population"])


def backend_agreement(cell_paths, summary_paths, thresholds: dict, out) -> pd.DataFrame:
    runs = {}
    for cp, sp in zip(cell_paths, summary_paths):
        s = pd.read_csv(sp, sep="\t")
        key = (s["backend"].iloc[0], float(s["g_exc_nS"].iloc[0]), float(s["g_inh_nS"].iloc[0]))
        note = s["note"].fillna("").iloc[0] if "note" in s else ""
        runs[key] = (pd.read_csv(cp, sep="\t"), bool(s["sustained"].iloc[0]), note)
    table = agreement_table(runs, thresholds)
    write_tsv(out, table)
    for row in table.itertuples():
        log.info("%s vs %s, %s at (%g, %g) nS: %s %s", row.backend_a, row.backend_b, row.population,
                 row.g_exc_nS, row.g_inh_nS, row.verdict, row.reason)
    return table


def spectra_of_run(spikes_path, traces_path, run_json, spectra_cfg: dict, psd_out, fits_out):
    """Welch PSDs and FOOOF fits of one run's population rates and LFP proxy."""
    from vabench.io import read_npz
    from vabench.spectra import run_signals, run_spectra

    info = read_run_info(run_json)
    net = info["network_params"]["network"]
    n_exc = int(round(net["n_cells"] * net["exc_fraction"]))
    signals = run_signals(read_spikes(spikes_path), read_npz(traces_path, "trace file"),
                          {"exc": n_exc, "inh": net["n_cells"] - n_exc}, info["params"]["simulation"]["t_stop_ms"],
                          info["params"]["cell"], spectra_cfg["bin_ms"], spectra_cfg["t_start_ms"])
    psd, fits = run_spectra(signals, spectra_cfg)
    for table in (psd, fits):
        table.insert(0, "backend", info["backend"])
        table.insert(1, "g_exc_nS", info["g_exc_nS"])
        table.insert(2, "g_inh_nS", info["g_inh_nS"])
    write_tsv(psd_out, psd)
    write_tsv(fits_out, fits)
    for row in fits.itertuples():
        log.info("%s %s: exponent %.2f, r2 %.3f, peaks %s", info["backend"], row.signal, row.exponent, row.r_squared, row.note or "none")
    return psd, fits


def collect_tables(paths, out, sort_by) -> pd.DataFrame:
    """Concatenate per-run tables into one study table."""
    df = pd.concat([pd.read_csv(p, sep="\t") for p in paths], ignore_index=True)
    df = df.sort_values(sort_by, kind="stable").reset_index(drop=True)
    write_tsv(out, df)
    return df


def provenance_table(run_paths, config_sha256: str, out) -> pd.DataFrame:
    """One row per run (study runs and map points): versions, seed, host, start/end, commit, hashes."""
    rows = []
    for path in run_paths:
        info = read_run_info(path)
        row = {"run": "map point" if "point" in info else "study", "backend": info["backend"], "g_exc_nS": info["g_exc_nS"], "g_inh_nS": info["g_inh_nS"], "seed": info["seed"],
               "host": info.get("host"), "started_utc": info.get("started_utc"), "finished_utc": info.get("finished_utc"),
               "workflow_commit": info.get("workflow_commit", "unknown"), "params_sha256": info.get("params_hash"),
               "config_sha256": config_sha256, "python": info.get("python")}
        row.update({f"version_{k}": v for k, v in sorted(info.get("versions", {}).items())})
        rows.append(row)
    df = pd.DataFrame(rows).sort_values(["run", "seed", "g_exc_nS", "g_inh_nS", "backend"], ascending=[False, True, True, True, True])
    df = df.reset_index(drop=True)
    write_tsv(out, df)
    return df
