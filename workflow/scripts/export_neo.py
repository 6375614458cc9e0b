import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.logs import script_logging
from vabench.neo_export import export_neo

with script_logging(snakemake.log[0]):
    export_neo(Path(snakemake.input.run).parent)
