"""The benchmark figure (``make bench``): speed, time per phase, memory, and our overhead."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from vabench.figures.backends import save_figure  # noqa: E402

PHASES = (("setup_s", "setup"), ("build_s", "build"), ("run_s", "run"), ("write_s", "write"))


def _label(r) -> str:
    return f"{r.backend}" + (f" ({r.threads} threads)" if r.threads > 1 else "")


def _errors(df: pd.DataFrame, m: str) -> np.ndarray:
    return np.vstack([df[m] - df[f"{m}_min"], df[f"{m}_max"] - df[m]])


def bench_figure(table: pd.DataFrame, overhead: pd.DataFrame | None, out_png, subtitle: str = "") -> None:
    """(a) real-time factor and (c) peak memory against N, (b) time per phase at the middle N,
    (d) our simulate job against a bare PyNN script. Markers: medians; bars: min-max of the repeats."""
    out_png = Path(out_png)
    if "model" in table:  # panels a-c: COBA's scaling; another model's rows are in the printed table
        table = table[table["model"] == "coba"]
    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5), layout="constrained")
    sizes = np.sort(table["n_cells"].unique())
    runs = table.drop_duplicates(["backend", "threads"])[["backend", "threads"]]
    extra_label = None
    for r in runs.itertuples():
        d = table[(table.backend == r.backend) & (table.threads == r.threads)].sort_values("n_cells")
        extra = d[d.duplicated("n_cells", keep="first")]  # a second network at a size: the memory check
        d = d.drop_duplicates("n_cells", keep="first")
        for ax, m in ((axes[0, 0], "rtf"), (axes[1, 0], "peak_mb")):
            line = ax.errorbar(d["n_cells"], d[m], yerr=_errors(d, m), marker="o", capsize=3, label=_label(r))
        for e in extra.itertuples():
            axes[1, 0].plot(e.n_cells, e.peak_mb, marker="s", mfc="none", ms=9, color=line[0].get_color())
            extra_label = f"open squares: N={e.n_cells:,} at p {e.p_connect:g} ({e.n_synapses / 1e6:.1f} M synapses), {e.t_stop_ms:g} ms"
    for ax, ylabel, title in (
        (axes[0, 0], "real-time factor (run wall time / simulated time)", "a  Simulation speed"),
        (axes[1, 0], "peak memory of the job (MiB, its own ru_maxrss)", "c  Memory"),
    ):
        ax.set_xscale("log")
        ax.set_xticks(sizes, [f"{n:,}" for n in sizes])
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("network size N (cells)")
        ax.set_ylabel(ylabel)
        ax.set_title(title, loc="left")
        ax.grid(True, which="both", alpha=0.3)
    axes[0, 0].set_yscale("log")
    axes[0, 0].yaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    axes[0, 0].yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:g}"))
    axes[0, 0].yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axes[1, 0].set_ylim(bottom=0)
    axes[0, 0].legend(fontsize=8)
    axes[1, 0].axhline(1e9 / 2**20, color="grey", lw=0.8, ls="--")
    axes[1, 0].annotate("1 GB", (sizes[0], 1e9 / 2**20), va="bottom", fontsize=8, color="grey")
    if extra_label:
        axes[1, 0].plot([], [], marker="s", mfc="none", ls="none", color="black", label=extra_label)
        axes[1, 0].legend(fontsize=7, loc="upper left")
    if (table["rtf"] > 0).any():
        axes[0, 0].axhline(1.0, color="grey", lw=0.8, ls=":")

    ax = axes[0, 1]
    mid = sizes[len(sizes) // 2]
    d = table[table.n_cells == mid].drop_duplicates(["backend", "threads"], keep="first")
    labels = [_label(r) for r in d.itertuples()]
    left = np.zeros(len(d))
    for col, name in PHASES:
        ax.barh(labels, d[col], left=left, label=name)
        left += d[col].to_numpy()
    ax.invert_yaxis()
    ax.set_xlabel("time inside the job (s, medians)")
    ax.set_title(f"b  Time per phase, N={mid:,}, {d['t_stop_ms'].iloc[0]:g} ms", loc="left")
    ax.legend(fontsize=8, loc="lower right")

    ax = axes[1, 1]
    if overhead is not None and len(overhead):
        x = np.arange(len(overhead))
        ax.bar(x - 0.2, overhead["bare_s"], 0.4, label="bare PyNN script")
        ax.bar(x + 0.2, overhead["job_s"], 0.4, label="our simulate job (Snakemake)")
        for xi, r in zip(x, overhead.itertuples()):
            ax.annotate(f"ratio {r.ratio:.2f}", (xi, max(r.bare_s, r.job_s)), ha="center", va="bottom", fontsize=9)
        ax.set_xticks(x, [f"{r.backend}\nN={r.n_cells}, {r.t_stop_ms:g} ms" for r in overhead.itertuples()])
        ax.set_ylabel("wall time of the process (s, median)")
        ax.legend(fontsize=8, loc="lower right")
        ax.set_title("d  Overhead of the pipeline (target: ratio <= 1.15)", loc="left")
    else:
        ax.set_axis_off()
        ax.set_title("d  Overhead not measured (--skip-overhead)", loc="left")
    fig.suptitle(
        "vabench benchmark: COBA network, one simulate job per repeat" + (f"  ({subtitle})" if subtitle else "")
    )
    save_figure(fig, out_png, out_png.with_suffix(".svg"))
