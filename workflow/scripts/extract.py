import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.extract import extract_block
from vabench.logs import script_logging

with script_logging(snakemake.log[0]):
    inp = snakemake.input
    extract_block(
        list(zip(inp.spikes, inp.traces, inp.runs)),
        snakemake.params.analysis,
        snakemake.params.spectra,
        dict(snakemake.output),
    )
