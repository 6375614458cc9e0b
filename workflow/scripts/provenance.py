import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.analysis import provenance_table
from vabench.logs import script_logging

with script_logging(snakemake.log[0]):
    provenance_table(snakemake.input.runs, snakemake.params.config_sha256, snakemake.output.provenance)
