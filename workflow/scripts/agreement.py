import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.analysis import backend_agreement
from vabench.logs import script_logging

with script_logging(snakemake.log[0]):
    inp = snakemake.input
    backend_agreement(
        inp.cells,
        inp.pairs,
        inp.summaries,
        inp.psd,
        snakemake.params.backends,
        snakemake.params.compare,
        snakemake.params.spectra,
        snakemake.output.agreement,
        snakemake.output.pairs,
        conventions_path=inp.conventions,
    )
