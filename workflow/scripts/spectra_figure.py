import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
import pandas as pd

from vabench.figures.spectra import plot_spectra
from vabench.logs import script_logging

with script_logging(snakemake.log[0]):
    psd = pd.concat([pd.read_csv(p, sep="\t") for p in snakemake.input.psd], ignore_index=True)
    fits = pd.concat([pd.read_csv(p, sep="\t") for p in snakemake.input.fits], ignore_index=True)
    plot_spectra(psd, fits, snakemake.output.png, snakemake.output.svg, snakemake.params.freq_range_hz,
                 title=f"Welch power spectra and FOOOF aperiodic fits ({snakemake.params.network})")
