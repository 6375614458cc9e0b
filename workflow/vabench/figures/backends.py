"""Brette et al. (2007) Fig. 24 layout (PyNN ``VAbenchmark_graphs.py``): one column per backend.

Rows: membrane potential of two excitatory cells, spike raster (exc and inh stacked),
ISI histograms (exc, inh; logarithmic bins), CV(ISI) histograms (exc, inh).
"""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from vabench.io import POPULATIONS, atomic_path, read_npz, read_spikes  # noqa: E402

COLORS = {"exc": "tab:blue", "inh": "tab:red"}
LABELS = {"exc": "excitatory", "inh": "inhibitory"}
CV_BINS = np.linspace(0.0, 3.0, 31)
PNG_DPI = 120


# --------------------------------------------------------------------------- shared helpers


def save_figure(fig, out_png, out_svg, dpi: int = PNG_DPI) -> None:
    """Write ``fig`` as png and svg, each through a temporary file renamed into place; close it."""
    try:
        # Fixed ids and no date make the svg reproducible from run to run.
        with matplotlib.rc_context({"svg.hashsalt": "vabench"}):
            with atomic_path(out_png, suffix=".png") as tmp:
                fig.savefig(tmp, format="png", dpi=dpi)
            # the layout is settled by the first save; keep it rather than solve it again
            fig.set_layout_engine("none")
            with atomic_path(out_svg, suffix=".svg") as tmp:
                fig.savefig(tmp, format="svg", metadata={"Date": None})
    finally:
        plt.close(fig)


def placeholder(ax, text: str) -> None:
    """Centred grey text in an axis that has nothing to show."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=11, color="0.4", wrap=True)


def trace_array(traces: dict, pop: str, var: str) -> np.ndarray:
    """``<pop>_<var>`` as a 2-D float array (cells x samples); (0, 0) when absent or empty."""
    arr = np.asarray(traces.get(f"{pop}_{var}", np.zeros((0, 0))), dtype=float)
    if arr.ndim != 2 or arr.size == 0:
        return np.zeros((0, 0))
    return arr


def read_cells(path) -> pd.DataFrame:
    """The per-cell table (a path or a DataFrame); an empty table with the right columns for an
    empty/headerless file."""
    cols = ["population", "cell", "n_spikes", "rate_hz", "cv_isi"]
    if isinstance(path, pd.DataFrame):
        df = path.copy()
    else:
        try:
            df = pd.read_csv(path, sep="\t")
        except pd.errors.EmptyDataError:
            return pd.DataFrame({c: [] for c in cols})
    for c in cols:
        if c not in df:
            df[c] = np.nan
    return df


# --------------------------------------------------------------------------- data


def isis(spikes: pd.DataFrame, pop: str) -> np.ndarray:
    """All inter-spike intervals (ms) of the cells of one population, pooled."""
    sp = spikes.loc[spikes["population"] == pop, ["cell", "time_ms"]].sort_values(["cell", "time_ms"])
    if len(sp) < 2:
        return np.zeros(0)
    cell = sp["cell"].to_numpy()
    t = sp["time_ms"].to_numpy(dtype=float)
    same = cell[1:] == cell[:-1]
    return np.diff(t)[same]


def _fmt(x: float, spec: str) -> str:
    return "n/a" if not np.isfinite(x) else format(x, spec)


def summary_text(cells: pd.DataFrame) -> str:
    lines = []
    for pop in POPULATIONS:
        c = cells[cells["population"] == pop]
        rate = float(c["rate_hz"].mean()) if len(c) else float("nan")
        cv = c["cv_isi"].to_numpy(dtype=float)
        cv = float(np.nanmean(cv)) if np.isfinite(cv).any() else float("nan")
        lines.append(f"{pop}: {_fmt(rate, '.2f')} Hz, CV {_fmt(cv, '.2f')}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- panels


def _panel_vm(ax, traces: dict, t_stop_ms: float) -> None:
    v = trace_array(traces, "exc", "v_mV")
    t = np.asarray(traces.get("t_ms", np.zeros(0)), dtype=float)
    cells = np.asarray(traces.get("exc_cells", np.zeros(0, dtype=int)))
    if v.shape[0] == 0 or t.size == 0:
        placeholder(ax, "no traces")
    else:
        for i, color in zip(range(min(2, v.shape[0])), ("tab:blue", "tab:orange")):
            label = f"exc cell {int(cells[i])}" if i < cells.size else f"exc trace {i}"
            n = min(t.size, v.shape[1])
            ax.plot(t[:n], v[i, :n], lw=0.6, color=color, label=label)
        ax.legend(loc="lower right", fontsize=7, framealpha=0.8)
    ax.set_xlim(0.0, t_stop_ms)
    ax.set_xlabel("Time (ms)")
    ax.set_ylabel("v (mV)")


def _panel_raster(
    ax, spikes: pd.DataFrame, cells: pd.DataFrame, raster_cells: int, t_stop_ms: float, note: str | None
) -> None:
    n_inh_total = int((cells["population"] == "inh").sum())
    n_exc_total = int((cells["population"] == "exc").sum())
    n_exc = min(raster_cells, n_exc_total) if n_exc_total else raster_cells
    n_inh = min(raster_cells, n_inh_total) if n_inh_total else raster_cells
    offset = {"exc": 0, "inh": n_exc}
    shown = {"exc": n_exc, "inh": n_inh}
    any_spike = False
    for pop in POPULATIONS:
        sp = spikes[(spikes["population"] == pop) & (spikes["cell"] < shown[pop])]
        if len(sp):
            any_spike = True
        ax.scatter(
            sp["time_ms"],
            sp["cell"] + offset[pop],
            s=2.0,
            marker=".",
            linewidths=0,
            color=COLORS[pop],
            label=f"{LABELS[pop]} (first {shown[pop]})",
            rasterized=True,
        )
    ax.axhline(n_exc - 0.5, color="0.6", lw=0.5)
    ax.set_xlim(0.0, t_stop_ms)
    ax.set_ylim(-0.5, n_exc + n_inh - 0.5)
    ax.set_xlabel("Time (ms)")
    ax.set_ylabel("Cell")
    if any_spike:
        ax.legend(loc="lower right", fontsize=7, markerscale=6, framealpha=0.8)
    else:
        placeholder(ax, note or "no spikes")
    ax.text(
        0.98,
        0.98,
        summary_text(cells),
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=7,
        family="monospace",
        bbox=dict(boxstyle="round,pad=0.3", fc="white", ec="0.7", alpha=0.85),
    )


def _panel_isi(ax, spikes: pd.DataFrame, pop: str, bins: np.ndarray, note: str | None) -> None:
    values = isis(spikes, pop)
    ax.set_xscale("log")
    if values.size == 0:
        placeholder(ax, note or "no spikes")
    else:
        ax.hist(values, bins=bins, color=COLORS[pop], alpha=0.85)
    ax.set_xlim(bins[0], bins[-1])
    ax.set_xlabel(f"ISI (ms), {LABELS[pop]}")
    ax.set_ylabel("Count")


def _panel_cv(ax, cells: pd.DataFrame, pop: str, note: str | None) -> None:
    cv = cells.loc[cells["population"] == pop, "cv_isi"].to_numpy(dtype=float)
    cv = cv[np.isfinite(cv)]
    if cv.size == 0:
        placeholder(ax, note or "no spikes")
    else:
        # values above the last edge are counted in the last bin
        ax.hist(np.clip(cv, CV_BINS[0], CV_BINS[-1] - 1e-9), bins=CV_BINS, color=COLORS[pop], alpha=0.85)
    ax.set_xlim(CV_BINS[0], CV_BINS[-1])
    ax.set_xlabel(f"CV(ISI), {LABELS[pop]}")
    ax.set_ylabel("Count")


# --------------------------------------------------------------------------- figure


def fig24_caption(backends, summaries, seed) -> str:
    """One network's caption: its seed, and which runs died (with a pointer to the ensemble).
    ``summaries``: each run's summary rows (a DataFrame, or the path of a table)."""
    died = []
    for backend, s in zip(backends, summaries):
        s = s if isinstance(s, pd.DataFrame) else pd.read_csv(s, sep="\t")
        if s.empty:
            continue
        if "note" in s and s["note"].fillna("").iloc[0]:
            continue
        if not bool(s["sustained"].iloc[0]):
            died.append(f"{backend} at {float(s['survival_ms'].iloc[0]):g} ms")
    text = (
        f"One network (seed {seed}), the same stored connectivity, initial potentials and thalamic input on every "
        f"simulator. The network is chaotic: spike times agree only for the first ~10 ms, so compare the "
        f"distributions, not the spikes."
    )
    if died:
        text += (
            f" Activity died on this network for {', '.join(died)}; whether one network sustains is close to a coin "
            f"flip, so see the ensemble figures (survival.png, paired_differences.png) for the verdict."
        )
    return text


def plot_backends(
    runs: list[dict],
    out_png,
    out_svg,
    title: str,
    t_stop_ms: float,
    raster_cells: int = 200,
    caption: str | None = None,
) -> None:
    """Draw the Fig. 24 layout, one column per run, and save it as ``out_png`` and ``out_svg``.

    Each run is a dict with ``backend``, ``spikes``, ``traces`` (paths), ``cells`` (a path or
    the run's rows of a cells table) and an
    optional ``note`` shown instead of 'no spikes' in empty panels.
    ISI bins are logarithmic from 1 ms to max(1000 ms, t_stop); CV(ISI) bins span 0-3
    (larger values are counted in the last bin).
    """
    if not runs:
        raise ValueError("plot_backends: no runs given")
    ncols = len(runs)
    fig, axes = plt.subplots(
        6,
        ncols,
        figsize=(4.3 * ncols + 0.6, 16.0),
        sharex="row",
        squeeze=False,
        layout="constrained",
        gridspec_kw={"height_ratios": [1.0, 1.6, 1.0, 1.0, 1.0, 1.0]},
    )
    # v and raster share their scale across columns; each ISI / CV histogram keeps its own counts, so a
    # quiet column beside a runaway one is not drawn as a flat line
    for row in (0, 1):
        for ax in axes[row, 1:]:
            ax.sharey(axes[row, 0])
    isi_bins = np.logspace(0.0, np.log10(max(1000.0, float(t_stop_ms))), 40)
    for col, run in enumerate(runs):
        note = run.get("note") or None
        spikes = read_spikes(run["spikes"])
        traces = read_npz(run["traces"], what="trace file")
        cells = read_cells(run["cells"])
        ax = axes[:, col]
        ax[0].set_title(str(run["backend"]), fontsize=13, fontweight="bold")
        _panel_vm(ax[0], traces, t_stop_ms)
        _panel_raster(ax[1], spikes, cells, raster_cells, t_stop_ms, note)
        _panel_isi(ax[2], spikes, "exc", isi_bins, note)
        _panel_isi(ax[3], spikes, "inh", isi_bins, note)
        _panel_cv(ax[4], cells, "exc", note)
        _panel_cv(ax[5], cells, "inh", note)
    for ax in axes.flat:
        # shared axes hide inner tick labels; every panel keeps its own labels
        ax.tick_params(labelleft=True, labelbottom=True, labelsize=8)
    # a long title wrapped to the figure's width (one line ran off both edges of a one-column figure)
    fig.suptitle("\n".join(textwrap.wrap(title, width=int(38 * ncols + 8))), fontsize=14)
    if caption:
        fig.supxlabel("\n".join(textwrap.wrap(caption, width=int(40 * ncols + 20))), fontsize=10, ha="center")
    save_figure(fig, out_png, out_svg)
