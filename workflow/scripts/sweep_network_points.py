import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.io import write_tsv
from vabench.logs import script_logging
from vabench.sweep import row_points

with script_logging(snakemake.log[0]):
    write_tsv(
        snakemake.output.points, row_points(snakemake.input.spikes, snakemake.input.runs, snakemake.params.analysis)
    )
