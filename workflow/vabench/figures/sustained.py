"""The Vogels & Abbott (2005) sustained-activity panel: where, in the g_exc x g_inh plane,
the network keeps firing after the thalamic kick."""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from vabench.figures.backends import save_figure  # noqa: E402


def _grid(points: pd.DataFrame, values: pd.Series):
    """Mean of ``values`` per grid point as (g_exc axis, g_inh axis, 2-D array); NaN where none."""
    gx, gy = np.sort(points["g_exc_nS"].unique()), np.sort(points["g_inh_nS"].unique())
    table = (points.assign(value=values).groupby(["g_inh_nS", "g_exc_nS"])["value"].mean()
             .unstack("g_exc_nS").reindex(index=gy, columns=gx))
    return gx.astype(float), gy.astype(float), table.to_numpy(float)


def _edges(centres: np.ndarray) -> np.ndarray:
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mid = (centres[:-1] + centres[1:]) / 2
    return np.concatenate([[centres[0] - (mid[0] - centres[0])], mid, [centres[-1] + (centres[-1] - mid[-1])]])


def plot_sustained_map(points: pd.DataFrame, out_png, out_svg, backend: str, benchmark_point) -> None:
    """Colour: mean exc rate over the seeds that sustained; grey: died in every seed;
    contours: CV(ISI) of exc cells; numbers: fraction of seeds that sustained (several seeds)."""
    n_seeds = points["seed"].nunique()
    sustained = points["sustained"].astype(bool)
    gx, gy, frac = _grid(points, sustained.astype(float))
    _, _, rate = _grid(points, points["rate_exc_hz"].where(sustained))
    _, _, cv = _grid(points, points["cv_exc"].where(sustained))

    fig, (ax, caption_ax) = plt.subplots(2, 1, figsize=(7.2, 6.6), height_ratios=[14, 1], layout="constrained")
    caption_ax.axis("off")
    ax.set_facecolor("0.82")  # died: neutral grey
    mesh = ax.pcolormesh(_edges(gx), _edges(gy), np.ma.masked_invalid(np.where(frac > 0, rate, np.nan)),
                         cmap="viridis", shading="flat")
    fig.colorbar(mesh, ax=ax, label="mean excitatory rate where sustained (Hz)")
    if np.isfinite(cv).sum() >= 4 and len(gx) > 1 and len(gy) > 1:
        cs = ax.contour(gx, gy, np.ma.masked_invalid(cv), levels=[0.5, 1.0, 1.5], colors="white", linewidths=1)
        ax.clabel(cs, fmt="CV %.1f", fontsize=8)
    if n_seeds > 1:
        for j, y in enumerate(gy):
            for i, x in enumerate(gx):
                if np.isfinite(frac[j, i]):
                    ax.text(x, y, f"{frac[j, i]:.0%}", ha="center", va="center", fontsize=6, color="k" if frac[j, i] < 0.5 else "w")
    bx, by = benchmark_point
    ax.plot([bx], [by], marker="*", ms=16, mfc="red", mec="white", ls="none", label=f"benchmark ({bx:g}, {by:g}) nS")
    ax.plot([], [], "s", color="0.82", label="activity died")
    ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    ax.set_xlabel("excitatory conductance g_exc (nS)")
    ax.set_ylabel("inhibitory conductance g_inh (nS)")
    n_cells = int(points["n_cells"].iloc[0])
    t_stop = float(points["t_stop_ms"].iloc[0])
    ax.set_title(f"Self-sustained activity after the thalamic kick\n{backend}, N={n_cells}, {t_stop:g} ms, "
                 f"{n_seeds} seed{'s' if n_seeds > 1 else ''}", fontsize=10)
    n_sus = int(sustained.sum())
    caption = (f"Sustained in {n_sus} of {len(points)} simulations (mean rate over all cells at or above the threshold "
               f"in the closing window). White lines: CV(ISI) of excitatory cells."
               + (" Numbers: fraction of seeds that sustained." if n_seeds > 1 else ""))
    if "virtual_run" in points and points["virtual_run"].astype(bool).all():
        caption = "VIRTUAL RUN: the board was mapped but nothing ran, so no point has spikes. " + caption
    caption_ax.text(0.0, 1.0, textwrap.fill(caption, 115), transform=caption_ax.transAxes, ha="left", va="top", fontsize=7)
    save_figure(fig, out_png, out_svg)
