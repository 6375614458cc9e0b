import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.analysis import backend_agreement
from vabench.logs import script_logging

with script_logging(snakemake.log[0]):
    backend_agreement(snakemake.input.cells, snakemake.input.summaries, snakemake.params.thresholds,
                      snakemake.output.agreement)
