"""Histograms of the recorded state (v, gsyn_exc, gsyn_inh) per backend, exc and inh overlaid."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from vabench.figures.backends import COLORS, LABELS, placeholder, save_figure, trace_array  # noqa: E402
from vabench.io import POPULATIONS, read_npz  # noqa: E402

N_BINS = 100
V_RANGE_MV = (-90.0, -40.0)
G_DEFAULT_MAX_US = 0.2  # upper limit when no conductance data exist
VARIABLES = (
    ("v_mV", "membrane potential (mV)", "density (1/mV)"),
    ("gsyn_exc_uS", "gsyn_exc (uS)", "density (1/uS)"),
    ("gsyn_inh_uS", "gsyn_inh (uS)", "density (1/uS)"),
)


def _upper_limit(values: list[np.ndarray]) -> float:
    """99.9th percentile of all finite values (over backends and populations), positive."""
    data = [v[np.isfinite(v)] for v in values if v.size]
    data = [d for d in data if d.size]
    if not data:
        return G_DEFAULT_MAX_US
    hi = float(np.percentile(np.concatenate(data), 99.9))
    return hi if hi > 0 else G_DEFAULT_MAX_US


def plot_state_histograms(runs: list[dict], out_png, out_svg, title: str) -> None:
    """One row per run (``backend``, ``traces``; optional ``note``), columns v, gsyn_exc, gsyn_inh.

    Samples of all traced cells and time points are pooled per population; histograms are
    probability densities with 100 bins. v spans -90..-40 mV; each conductance spans 0 up to
    the 99.9th percentile of that conductance over all runs, so rows share x ranges.
    """
    if not runs:
        raise ValueError("plot_state_histograms: no runs given")
    traces = [read_npz(run["traces"], what="trace file") for run in runs]
    ranges = {"v_mV": V_RANGE_MV}
    for var in ("gsyn_exc_uS", "gsyn_inh_uS"):
        ranges[var] = (0.0, _upper_limit([trace_array(tr, pop, var).ravel() for tr in traces for pop in POPULATIONS]))

    nrows = len(runs)
    fig, axes = plt.subplots(nrows, 3, figsize=(13.0, 2.9 * nrows + 0.8), squeeze=False, layout="constrained")
    for row, (run, tr) in enumerate(zip(runs, traces)):
        for col, (var, xlabel, ylabel) in enumerate(VARIABLES):
            ax = axes[row, col]
            lo, hi = ranges[var]
            bins = np.linspace(lo, hi, N_BINS + 1)
            drawn = False
            for pop in POPULATIONS:
                x = trace_array(tr, pop, var).ravel()
                x = x[np.isfinite(x)]
                if x.size == 0:
                    continue
                ax.hist(
                    x,
                    bins=bins,
                    density=True,
                    histtype="stepfilled",
                    alpha=0.45,
                    color=COLORS[pop],
                    edgecolor=COLORS[pop],
                    linewidth=0.8,
                    label=f"{LABELS[pop]} ({trace_array(tr, pop, var).shape[0]} cells)",
                )
                drawn = True
            if drawn:
                ax.legend(loc="upper right", fontsize=7, framealpha=0.8)
            elif var != "v_mV" and trace_array(tr, "exc", "v_mV").size:
                placeholder(ax, "not recorded\n(current synapses: no conductance)")
            else:
                placeholder(ax, "no traces" + (f"\n({run['note']})" if run.get("note") else ""))
            ax.set_xlim(lo, hi)
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            ax.tick_params(labelsize=8)
            if col == 0:
                ax.set_title(str(run["backend"]), loc="left", fontsize=12, fontweight="bold")
    fig.suptitle(title, fontsize=14)
    save_figure(fig, out_png, out_svg)
