"""Power spectra per backend overlaid, with the FOOOF aperiodic fit; rows = weight sets,
columns = signals (exc rate, inh rate, LFP proxy)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from vabench.figures.backends import placeholder, save_figure  # noqa: E402
from vabench.models import describe_pair  # noqa: E402
from vabench.spectra import SIGNALS  # noqa: E402

TITLES = {
    "exc_rate": "excitatory population rate",
    "inh_rate": "inhibitory population rate",
    "lfp_proxy": "LFP proxy (summed |I_syn|, exc cells)",
}
UNITS = {"exc_rate": "Hz²/Hz", "inh_rate": "Hz²/Hz", "lfp_proxy": "nA²/Hz"}


def plot_spectra(
    psd: pd.DataFrame, fits: pd.DataFrame, out_png, out_svg, freq_range_hz, title: str, model: str = "coba"
) -> None:
    """``psd`` and ``fits``: the per-run tables of every run concatenated; ``model`` names the weights."""
    weight_sets = sorted({(r.g_exc_nS, r.g_inh_nS) for r in fits.itertuples()}) if len(fits) else []
    if not weight_sets:  # no run sustained, or only runs without spikes: a figure that says so
        fig, ax = plt.subplots(figsize=(8, 3), layout="constrained")
        ax.set_axis_off()
        placeholder(ax, "no power spectra: no run had activity to analyse\n(none sustained, or no spikes)")
        fig.suptitle(title)
        save_figure(fig, out_png, out_svg)
        return
    backends = list(dict.fromkeys(fits["backend"]))
    colours = dict(zip(backends, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    fig, axes = plt.subplots(
        len(weight_sets),
        len(SIGNALS),
        figsize=(4.6 * len(SIGNALS), 3.6 * len(weight_sets)),
        squeeze=False,
        layout="constrained",
    )
    for row, (ge, gi) in enumerate(weight_sets):
        for col, signal in enumerate(SIGNALS):
            ax = axes[row, col]
            drawn = False
            for backend in backends:
                sel = (
                    (psd["backend"] == backend)
                    & (psd["signal"] == signal)
                    & (psd["g_exc_nS"] == ge)
                    & (psd["g_inh_nS"] == gi)
                )
                p = psd[sel]
                p = p[p["frequency_hz"] > 0]
                if p.empty or not (p["power"] > 0).any():
                    continue
                ax.loglog(p["frequency_hz"], p["power"], color=colours[backend], lw=1.2, label=backend)
                fit = fits[
                    (fits["backend"] == backend)
                    & (fits["signal"] == signal)
                    & (fits["g_exc_nS"] == ge)
                    & (fits["g_inh_nS"] == gi)
                ]
                if len(fit) and np.isfinite(fit["exponent"].iloc[0]):
                    f = np.geomspace(*freq_range_hz, 50)
                    ax.loglog(
                        f,
                        10 ** (fit["offset"].iloc[0] - fit["exponent"].iloc[0] * np.log10(f)),
                        "--",
                        color=colours[backend],
                        lw=1,
                        label=f"{backend} aperiodic, χ={fit['exponent'].iloc[0]:.2f}",
                    )
                drawn = True
            if drawn:
                ax.axvspan(*freq_range_hz, color="0.93", zorder=0)
                ax.legend(fontsize=7, loc="lower left")
            else:
                placeholder(ax, "no spikes / no signal")
            ax.set_xlabel("Frequency (Hz)")
            ax.set_ylabel(f"Power ({UNITS[signal]})")
            ax.set_title(f"{TITLES[signal]}\n({describe_pair(ge, gi, model)})", fontsize=9)
    fig.suptitle(title)
    save_figure(fig, out_png, out_svg)
