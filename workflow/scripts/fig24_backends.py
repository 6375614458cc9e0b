import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
import pandas as pd

from vabench.figures.backends import fig24_caption, plot_backends
from vabench.logs import script_logging
from vabench.models import describe_weights, get_model
from vabench.runinfo import read_run_info, run_identity, run_note, run_rows

with script_logging(snakemake.log[0]):
    inp = snakemake.input
    summary = pd.read_csv(inp.summary, sep="\t")
    runs = []
    for backend, spikes, traces, cells, run in zip(
        snakemake.params.backends, inp.spikes, inp.traces, inp.cells, inp.run
    ):
        ident = run_identity(read_run_info(run))
        runs.append(
            {
                "backend": backend,
                "spikes": spikes,
                "traces": traces,
                "note": run_note(run),
                "cells": run_rows(pd.read_csv(cells, sep="\t"), ident),
                "summary": run_rows(summary, ident),
            }
        )
    plot_backends(
        runs,
        snakemake.output.png,
        snakemake.output.svg,
        title=f"{get_model(snakemake.params.model).network}, network seed {snakemake.params.seed} "
        f"({snakemake.params.network}, {describe_weights(snakemake.wildcards.weights)})",
        t_stop_ms=snakemake.params.t_stop_ms,
        caption=fig24_caption([r["backend"] for r in runs], [r["summary"] for r in runs], snakemake.params.seed),
    )
