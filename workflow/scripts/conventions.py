import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.conventions import measure
from vabench.io import write_json
from vabench.logs import script_logging

with script_logging(snakemake.log[0]):
    write_json(
        snakemake.output[0], measure(snakemake.wildcards.backend, snakemake.params.sim, snakemake.params.work_dir)
    )
