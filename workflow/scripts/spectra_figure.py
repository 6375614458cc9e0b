import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
import pandas as pd

from vabench.figures.spectra import plot_spectra
from vabench.logs import script_logging

with script_logging(snakemake.log[0]):
    psd = pd.read_csv(snakemake.input.psd, sep="\t")
    fits = pd.read_csv(snakemake.input.fits, sep="\t")
    plot_spectra(
        psd,
        fits,
        snakemake.output.png,
        snakemake.output.svg,
        snakemake.params.freq_range_hz,
        title=f"Welch power spectra, mean over the surviving networks of {snakemake.params.n_seeds} seeds, "
        f"with FOOOF aperiodic fits",
        model=snakemake.params.model,
    )
