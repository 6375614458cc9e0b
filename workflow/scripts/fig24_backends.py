import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.analysis import run_note
from vabench.figures.backends import fig24_caption, plot_backends
from vabench.logs import script_logging

with script_logging(snakemake.log[0]):
    weights = snakemake.params.get("weights", None) or snakemake.wildcards.weights
    inp = snakemake.input
    runs = [
        {"backend": b, "spikes": s, "traces": t, "cells": c, "note": run_note(r)}
        for b, s, t, c, r in zip(snakemake.params.backends, inp.spikes, inp.traces, inp.cells, inp.run)
    ]
    plot_backends(runs, snakemake.output.png, snakemake.output.svg,
                  title=f"Vogels-Abbott COBA network, network seed {snakemake.params.seed} ({snakemake.params.network}, {weights} nS)",
                  t_stop_ms=snakemake.params.t_stop_ms,
                  caption=fig24_caption(snakemake.params.backends, inp.summary, snakemake.params.seed))
