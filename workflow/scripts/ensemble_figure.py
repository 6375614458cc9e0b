import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
import pandas as pd

from vabench.figures import ensemble
from vabench.logs import script_logging


def tables(paths):
    """The blocks' tables (every row carries its run's identity) in one."""
    return pd.concat([pd.read_csv(p, sep="\t") for p in paths], ignore_index=True)


with script_logging(snakemake.log[0]):
    inp, out, figure = snakemake.input, snakemake.output, snakemake.wildcards.figure
    where = f"{snakemake.params.n_seeds} network seeds, N={snakemake.params.n_cells}"
    g_exc, g_inh = snakemake.params.weights

    def first_weights(df):  # the figures that pool runs show the study's first weight set
        return df[(df["g_exc_nS"] == g_exc) & (df["g_inh_nS"] == g_inh)] if len(df) else df

    if figure == "survival":
        ensemble.plot_survival(
            pd.read_csv(inp.summary, sep="\t"), out.png, out.svg, title=f"Survival of self-sustained activity ({where})"
        )
    elif figure == "paired_differences":
        agreement = pd.read_csv(inp.agreement, sep="\t")
        # rows with no estimate (no seed where both sustained) say nothing: the table keeps them
        agreement = agreement[agreement["estimate"].notna() | (agreement["verdict"] == "not compared")]
        ensemble.plot_paired_differences(
            agreement, out.png, out.svg, title=f"Seed-paired differences between simulators ({where})"
        )
    elif figure == "distributions":
        ensemble.plot_distributions(
            tables(inp.cells),
            tables(inp.pairs),
            first_weights(pd.read_csv(inp.summary, sep="\t")),
            out.png,
            out.svg,
            title=f"Per-cell distributions, pooled over the surviving networks ({where})",
        )
    elif figure == "divergence":
        ensemble.plot_divergence(
            first_weights(pd.read_csv(inp.divergence, sep="\t")),
            out.png,
            out.svg,
            title=f"When chaos takes over: spikes matched within one time step ({where})",
        )
