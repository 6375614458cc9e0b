import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.extract import extract
from vabench.logs import script_logging

with script_logging(snakemake.log[0]):
    extract({"exc": snakemake.input.exc, "inh": snakemake.input.inh}, snakemake.output.spikes, snakemake.output.traces)
