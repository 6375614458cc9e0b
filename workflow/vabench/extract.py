"""The extract stage: what the spike trains and traces of each run say per cell, per pair and
per time bin, over the analysis window (after the thalamic kick).

Per run, from its tidy recordings (:mod:`vabench.recording`):

- ``cells``: one row per cell: spikes, rate, CV and LV of the ISIs (:func:`vabench.spiketrains.cell_table`);
- ``pairs``: spike-count correlation of every pair of a fixed sample of cells, over the
  window in which the network was alive (:func:`vabench.spiketrains.pairwise_correlations`);
- ``cell_summary``: their per-population aggregates (mean rate, median CV and LV, mean
  correlation, ...), kept at full precision for :mod:`vabench.run_analysis`, which completes
  the run summary (the tables above are written to 6 significant digits);
- ``signals``: the population rates and the LFP proxy the spectra analyse (:mod:`vabench.signals`).

One job extracts a block of runs (one engine, one weight set, some seeds with their
replicates) and writes one table of each kind for the block, every row carrying its run's
identity (``backend``, ``g_exc_nS``, ``g_inh_nS``, ``network_seed``, ``replicate``); one
process pays the imports once for all of them. The same function extracts one run by hand
(``vabench extract --run-dir``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from vabench.io import atomic_path, read_npz, read_spikes, write_tsv
from vabench.runinfo import with_identity
from vabench.signals import write_signals

log = logging.getLogger(__name__)

PAIR_COLUMNS = ["population", "cell_a", "cell_b", "corr"]
# the intermediate cell_summary.tsv round-trips every float exactly
EXACT = "%.17g"


def extract_run(spikes_path, traces_path, run_json, analysis: dict, spectra_cfg: dict) -> dict:
    """The extracted tables of one run: ``{"cells", "pairs", "cell_summary"}`` (DataFrames with
    the run's identity) and ``"signals"`` (``{signal: array}``), and the run record ``"info"``."""
    from vabench.runinfo import population_sizes, read_run_info, run_identity
    from vabench.signals import run_signals
    from vabench.spiketrains import cell_table, pairwise_correlations
    from vabench.stats import cell_summary, survival_time

    info = read_run_info(run_json)
    spikes = read_spikes(spikes_path)
    n_cells = population_sizes(info)
    t_stop = info["params"]["simulation"]["t_stop_ms"]
    t_start = analysis["t_start_ms"]
    cells = cell_table(spikes, n_cells, t_stop, analysis["min_spikes_cv"], t_start)
    alive_until = survival_time(
        spikes, sum(n_cells.values()), t_stop, analysis["survival_bin_ms"], analysis["sustained_min_rate_hz"]
    )
    pairs = pairwise_correlations(spikes, n_cells, t_start, min(t_stop, alive_until)) if alive_until > t_start else None
    summary = cell_summary(cells, pairs)
    traces = read_npz(traces_path, "trace file") if traces_path is not None else {}
    signals = run_signals(
        spikes, traces, n_cells, t_stop, info["params"]["cell"], spectra_cfg["bin_ms"], spectra_cfg["t_start_ms"]
    )
    ident = run_identity(info)
    pairs = pairs if pairs is not None else pd.DataFrame(columns=PAIR_COLUMNS)
    return {
        "info": info,
        "ident": ident,
        "cells": with_identity(cells, ident),
        "pairs": with_identity(pairs, ident),
        "cell_summary": with_identity(summary, ident),
        "signals": signals,
    }


def extract_block(recordings: list[tuple], analysis: dict, spectra_cfg: dict, out: dict) -> None:
    """Extract every run of ``recordings`` ([(spikes.parquet, traces.npz or None, run.json),
    ...]) and write the block's tables: ``out`` maps ``cells``, ``pairs``, ``cell_summary`` and
    ``signals`` to their paths."""
    import elephant.conversion  # noqa: F401  (the job's fixed cost, paid before its work: logged)
    import elephant.spike_train_correlation  # noqa: F401
    import elephant.statistics  # noqa: F401

    from vabench.logs import log_ready

    log_ready(log, f"extract, {len(recordings)} run(s)")
    runs = []
    for spikes_path, traces_path, run_json in recordings:
        run = extract_run(spikes_path, traces_path, run_json, analysis, spectra_cfg)
        runs.append(run)
        s = run["cell_summary"].set_index("population")
        log.info(
            "%s seed %d rep %d (g_exc %g, g_inh %g nS): %d + %d spikes in [%g ms, t_stop); exc %.2f Hz, median CV %.2f, "
            "corr %.4f",
            run["ident"]["backend"],
            run["ident"]["network_seed"],
            run["ident"]["replicate"],
            run["ident"]["g_exc_nS"],
            run["ident"]["g_inh_nS"],
            s.loc["exc", "n_spikes"],
            s.loc["inh", "n_spikes"],
            analysis["t_start_ms"],
            s.loc["exc", "rate_hz"],
            s.loc["exc", "cv_isi"],
            s.loc["exc", "corr"],
        )
    for kind in ("cells", "pairs"):
        write_tsv(out[kind], pd.concat([r[kind] for r in runs], ignore_index=True))
    with atomic_path(out["cell_summary"]) as tmp:
        pd.concat([r["cell_summary"] for r in runs], ignore_index=True).to_csv(
            tmp, sep="\t", index=False, float_format=EXACT
        )
    write_signals(out["signals"], runs)
    log.info("extracted %d run(s)", len(runs))


def run_dir_recordings(run_dir) -> list[tuple]:
    """The recordings of one run folder, as :func:`extract_block` takes them."""
    run_dir = Path(run_dir)
    traces = run_dir / "traces.npz"
    return [(run_dir / "spikes.parquet", traces if traces.exists() else None, run_dir / "run.json")]


def block_outputs(folder) -> dict:
    """The extract stage's files in ``folder`` (a block's, or one run's)."""
    folder = Path(folder)
    return {
        "cells": folder / "cells.tsv",
        "pairs": folder / "pairs.tsv",
        "cell_summary": folder / "cell_summary.tsv",
        "signals": folder / "signals.npz",
    }
