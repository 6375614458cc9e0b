import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.logs import script_logging
from vabench.provenance import write_resolved_config

with script_logging(snakemake.log[0]):
    write_resolved_config(snakemake.params.config, snakemake.output.config, snakemake.input.provenance)
