"""The statistics and spectra of each run, after the extract stage (:mod:`vabench.extract`).

Per run: the summary, one row per population over the analysis window (the extract stage's
aggregates of cells and pairs, completed with the spike-count chi², the survival time and
``sustained`` from the spikes, the run's timings and peak memory); the Welch PSD of each of
its signals; and their FOOOF fits (a run that did not sustain gets PSDs but no fit).

One job analyses a block of runs (the extract stage's block) and writes one table of each
kind; the same function analyses one run by hand (``vabench stats --run-dir``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from vabench.io import read_spikes, write_tsv
from vabench.runinfo import VIRTUAL_NOTE

log = logging.getLogger(__name__)


def run_summary_table(spikes_path, info: dict, cell_part: pd.DataFrame, analysis: dict) -> pd.DataFrame:
    """The summary rows of one run (see the module docstring)."""
    from vabench.runinfo import IDENTITY, population_sizes, run_identity
    from vabench.stats import join_summaries, network_summary

    n_cells = population_sizes(info)
    t_stop = info["params"]["simulation"]["t_stop_ms"]
    summary = join_summaries(
        cell_part.drop(columns=list(IDENTITY)).reset_index(drop=True),
        network_summary(read_spikes(spikes_path), n_cells, t_stop, analysis),
    )
    for i, (key, value) in enumerate(run_identity(info).items()):
        summary.insert(i, key, value)
    summary["n_cells_network"] = sum(n_cells.values())
    summary["t_stop_ms"] = t_stop
    summary["dt_ms"] = info["params"]["simulation"]["dt_ms"]
    for key, value in info["timings_s"].items():
        summary[key] = value
    summary["peak_memory_mb"] = info["peak_memory_mb"]
    summary["note"] = VIRTUAL_NOTE if info.get("virtual_run") else ""
    return summary


def analyse_block(
    runs: list[tuple], cell_summary_path, signals_path, analysis: dict, spectra_cfg: dict, out: dict
) -> pd.DataFrame:
    """Summaries, PSDs and fits of every run of a block. ``runs``: [(spikes.parquet, run.json), ...]
    in the block's order; ``out`` maps ``summary``, ``psd`` and ``fooof`` to their paths."""
    from vabench.logs import log_ready
    from vabench.runinfo import IDENTITY, read_run_info, run_identity
    from vabench.signals import read_signals
    from vabench.spectra import fooof_class, run_spectra

    fooof_class()  # the job's fixed cost, paid before its work: logged
    log_ready(log, f"run_statistics, {len(runs)} run(s)")
    cell_parts = pd.read_csv(cell_summary_path, sep="\t")
    signals = {tuple(ident[k] for k in IDENTITY): sig for ident, sig in read_signals(signals_path)}
    summaries, psds, fits = [], [], []
    for spikes_path, run_json in runs:
        info = read_run_info(run_json)
        ident = run_identity(info)
        key = tuple(ident[k] for k in IDENTITY)
        mine = (cell_parts[list(IDENTITY)] == pd.Series(key, index=list(IDENTITY))).all(axis=1)
        if mine.sum() != 2 or key not in signals:
            raise ValueError(
                f"the extracted tables {cell_summary_path} and {signals_path} do not hold the run {run_json}; "
                "rerun the extract stage"
            )
        summary = run_summary_table(spikes_path, info, cell_parts[mine], analysis)
        sustained = bool(summary["sustained"].iloc[0])
        psd, fit = run_spectra(signals[key], spectra_cfg, fit=sustained)
        for table in (psd, fit):
            for i, (k, value) in enumerate(ident.items()):
                table.insert(i, k, value)
        summaries.append(summary)
        psds.append(psd)
        fits.append(fit)
        for row in summary.itertuples():
            log.info(
                "%s seed %d rep %d %s over [%g, %g) ms: %.2f Hz, median CV %.2f, LV %.2f, corr %.4f; alive until %g ms%s",
                info["backend"],
                row.network_seed,
                row.replicate,
                row.population,
                analysis["t_start_ms"],
                row.t_stop_ms,
                row.rate_hz,
                row.cv_isi,
                row.lv,
                row.corr,
                row.survival_ms,
                " (sustained)" if row.sustained else "",
            )
        for row in fit.itertuples():
            log.info(
                "%s %s: exponent %.2f, r2 %.3f, %s",
                info["backend"],
                row.signal,
                row.exponent,
                row.r_squared,
                row.note or "no peaks",
            )
    table = pd.concat(summaries, ignore_index=True)
    write_tsv(out["summary"], table)
    write_tsv(out["psd"], pd.concat(psds, ignore_index=True))
    write_tsv(out["fooof"], pd.concat(fits, ignore_index=True))
    return table


def analysis_outputs(folder) -> dict:
    """The statistics-and-spectra stage's files in ``folder`` (a block's, or one run's)."""
    folder = Path(folder)
    return {"summary": folder / "summary.tsv", "psd": folder / "psd.tsv", "fooof": folder / "fooof.tsv"}
