import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.analysis import spectra_of_run
from vabench.logs import script_logging

with script_logging(snakemake.log[0]):
    spectra_of_run(snakemake.input.spikes, snakemake.input.traces, snakemake.input.run, snakemake.params.spectra,
                   snakemake.output.psd, snakemake.output.fits, snakemake.input.summary)
