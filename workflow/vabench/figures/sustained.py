"""The Vogels & Abbott (2005) sustained-activity panel: where, in the g_exc x g_inh plane,
the network keeps firing after the thalamic kick, as a probability over network seeds (near
the edge, whether one network sustains is a coin flip)."""

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
    table = (
        points.assign(value=values)
        .groupby(["g_inh_nS", "g_exc_nS"])["value"]
        .mean()
        .unstack("g_exc_nS")
        .reindex(index=gy, columns=gx)
    )
    return gx.astype(float), gy.astype(float), table.to_numpy(float)


def _edges(centres: np.ndarray) -> np.ndarray:
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mid = (centres[:-1] + centres[1:]) / 2
    return np.concatenate([[centres[0] - (mid[0] - centres[0])], mid, [centres[-1] + (centres[-1] - mid[-1])]])


def plot_sustained_map(points: pd.DataFrame, out_png, out_svg, backend: str, benchmark_point) -> None:
    """Left: the probability that the network sustains its activity (fraction of network seeds),
    with the 1/2 contour (the edge). Right: the mean excitatory rate of the networks that
    sustained, grey where none did, with CV(ISI) contours. The benchmark point is starred."""
    n_seeds = points["seed"].nunique()
    sustained = points["sustained"].astype(bool)
    gx, gy, frac = _grid(points, sustained.astype(float))
    _, _, rate = _grid(points, points["rate_exc_hz"].where(sustained))
    _, _, cv = _grid(points, points["cv_exc"].where(sustained))

    fig, axes = plt.subplot_mosaic(
        [["p", "rate"], ["caption", "caption"]], figsize=(12.5, 6.2), height_ratios=[14, 1.6], layout="constrained"
    )
    axes["caption"].axis("off")
    ax = axes["p"]
    mesh = ax.pcolormesh(
        _edges(gx), _edges(gy), np.ma.masked_invalid(frac), cmap="cividis", vmin=0, vmax=1, shading="flat"
    )
    fig.colorbar(
        mesh,
        ax=ax,
        label=f"probability of sustained activity (fraction of {n_seeds} network seed{'s' * (n_seeds > 1)})",
    )
    if n_seeds > 1 and len(gx) > 1 and len(gy) > 1 and np.nanmin(frac) < 0.5 < np.nanmax(frac):
        cs = ax.contour(gx, gy, np.ma.masked_invalid(frac), levels=[0.5], colors="red", linewidths=1.2)
        ax.clabel(cs, fmt="p = 0.5", fontsize=8)
    if n_seeds > 1 and len(gx) * len(gy) <= 225:
        for j, y in enumerate(gy):
            for i, x in enumerate(gx):
                if np.isfinite(frac[j, i]):
                    ax.text(
                        x,
                        y,
                        f"{frac[j, i]:.1f}",
                        ha="center",
                        va="center",
                        fontsize=6,
                        color="k" if frac[j, i] > 0.5 else "w",
                    )
    ax.set_title("Probability that the activity is self-sustained", fontsize=10)

    ax = axes["rate"]
    ax.set_facecolor("0.82")  # died on every seed: neutral grey
    mesh = ax.pcolormesh(
        _edges(gx), _edges(gy), np.ma.masked_invalid(np.where(frac > 0, rate, np.nan)), cmap="viridis", shading="flat"
    )
    fig.colorbar(mesh, ax=ax, label="mean excitatory rate of the sustained networks (Hz)")
    if np.isfinite(cv).sum() >= 4 and len(gx) > 1 and len(gy) > 1:
        cs = ax.contour(gx, gy, np.ma.masked_invalid(cv), levels=[0.5, 1.0, 1.5], colors="white", linewidths=1)
        ax.clabel(cs, fmt="CV %.1f", fontsize=8)
    ax.plot([], [], "s", color="0.82", label="died on every seed")
    ax.set_title("Rate of the networks that sustained", fontsize=10)

    bx, by = benchmark_point
    for key in ("p", "rate"):
        axes[key].plot(
            [bx], [by], marker="*", ms=16, mfc="red", mec="white", ls="none", label=f"benchmark ({bx:g}, {by:g}) nS"
        )
        axes[key].legend(loc="upper left", fontsize=8, framealpha=0.9)
        axes[key].set_xlabel("excitatory conductance g_exc (nS)")
        axes[key].set_ylabel("inhibitory conductance g_inh (nS)")
    n_cells = int(points["n_cells"].iloc[0])
    t_stop = float(points["t_stop_ms"].iloc[0])
    fig.suptitle(
        f"Self-sustained activity after the thalamic kick: {backend}, N={n_cells}, {t_stop:g} ms, "
        f"{n_seeds} network seed{'s' if n_seeds > 1 else ''} per point",
        fontsize=11,
    )
    n_sus = int(sustained.sum())
    caption = (
        f"Sustained in {n_sus} of {len(points)} simulations (still firing, mean rate of all cells at or above the "
        f"threshold, in the last survival bin before t_stop). Left: fraction of network seeds that sustained "
        f"(red line: 1/2, the edge). Right: mean rate of those that sustained; white lines: CV(ISI) of excitatory cells."
    )
    if "virtual_run" in points and points["virtual_run"].astype(bool).all():
        caption = "VIRTUAL RUN: the board was mapped but nothing ran, so no point has spikes. " + caption
    axes["caption"].text(
        0.0, 1.0, textwrap.fill(caption, 160), transform=axes["caption"].transAxes, ha="left", va="top", fontsize=8
    )
    save_figure(fig, out_png, out_svg)
