import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.figures.state_histograms import plot_state_histograms
from vabench.analysis import run_note
from vabench.logs import script_logging

with script_logging(snakemake.log[0]):
    inp = snakemake.input
    runs = [
        {"backend": b, "spikes": s, "traces": t, "cells": c, "note": run_note(r)}
        for b, s, t, c, r in zip(snakemake.params.backends, inp.spikes, inp.traces, inp.cells, inp.run)
    ]
    plot_state_histograms(runs, snakemake.output.png, snakemake.output.svg,
                          title=f"Recorded state ({snakemake.params.network}, {snakemake.params.weights} nS)")
