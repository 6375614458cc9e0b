import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.convention_table import conventions_table
from vabench.logs import script_logging

with script_logging(snakemake.log[0]):
    conventions_table(snakemake.input, snakemake.output[0])
