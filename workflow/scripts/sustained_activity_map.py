import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
import pandas as pd

from vabench.figures.sustained import plot_sustained_map
from vabench.logs import script_logging

with script_logging(snakemake.log[0]):
    plot_sustained_map(
        pd.read_csv(snakemake.input.points, sep="\t"),
        snakemake.output.png,
        snakemake.output.svg,
        backend=snakemake.wildcards.backend,
        benchmark_point=snakemake.params.benchmark_point,
    )
