import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.analysis import spectra_tables
from vabench.logs import script_logging

with script_logging(snakemake.log[0]):
    spectra_tables(
        snakemake.input.fits,
        snakemake.input.psd,
        snakemake.input.summary,
        snakemake.params.spectra,
        snakemake.output.spectra,
        snakemake.output.ensemble,
        snakemake.output.mean_psd,
    )
