import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.analysis import run_statistics
from vabench.logs import script_logging

with script_logging(snakemake.log[0]):
    run_statistics(snakemake.input.spikes, snakemake.input.run, snakemake.params.analysis,
                   snakemake.output.cells, snakemake.output.summary, snakemake.output.pairs)
