import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.analysis import divergence_table
from vabench.logs import script_logging

with script_logging(snakemake.log[0]):
    divergence_table(
        snakemake.input.spikes, snakemake.input.runs, snakemake.params.windows_ms, snakemake.output.divergence
    )
