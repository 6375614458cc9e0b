import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.logs import script_logging
from vabench.run_analysis import analyse_block

with script_logging(snakemake.log[0]):
    inp = snakemake.input
    analyse_block(
        list(zip(inp.spikes, inp.runs)),
        inp.cell_summary,
        inp.signals,
        snakemake.params.analysis,
        snakemake.params.spectra,
        dict(snakemake.output),
    )
