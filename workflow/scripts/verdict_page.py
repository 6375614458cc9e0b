import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.landing import write_landing
from vabench.logs import script_logging

with script_logging(snakemake.log[0]):
    inp = snakemake.input
    write_landing(inp.agreement, inp.pairs, snakemake.params.config, snakemake.output[0])
