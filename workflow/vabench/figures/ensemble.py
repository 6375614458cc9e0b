"""Figures of the ensemble comparison: networks paired by seed, several backends.

- :func:`plot_survival`: Kaplan-Meier curves of how long the activity of each backend's
  networks lasts, one panel per weight set;
- :func:`plot_paired_differences`: forest plot of the verdict table (seed-paired difference
  b - a, its confidence interval and the equivalence margin), one panel per statistic;
- :func:`plot_distributions`: per-cell rate, CV(ISI) and pairwise-correlation distributions
  of each backend against the one-spike replicate baseline (first weight set);
- :func:`plot_divergence`: fraction of spikes matched spike for spike between backends and
  between a backend and its one-spike replicate, per time window.

Every function copes with empty or partial tables: panels without data show a grey note.
"""

from __future__ import annotations

import math
import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from scipy import stats  # noqa: E402

from vabench.figures.backends import placeholder, save_figure  # noqa: E402

# A backend's colour comes from its name's place among the sorted names, so it is the same in
# every figure of a study whatever order a table lists the backends in (no simulator is named here).
PALETTE = [
    "tab:blue",
    "tab:orange",
    "tab:green",
    "tab:purple",
    "tab:brown",
    "tab:pink",
    "tab:olive",
    "tab:cyan",
    "tab:gray",
    "gold",
    "navy",
    "teal",
]
VERDICT_COLORS = {"equivalent": "tab:green", "inconclusive": "tab:orange", "different": "tab:red"}
REPLICATE_COLOR = "0.15"
POP_ORDER = {"exc": 0, "inh": 1, "all": 2}
POP_LABELS = {"exc": "excitatory", "inh": "inhibitory", "all": "network"}
WEIGHTS = ["g_exc_nS", "g_inh_nS"]

# statistic: (panel title, x label of the difference b - a)
STATISTICS = {
    "survival": ("survival: fraction of networks sustained", "difference in fraction sustained, b − a"),
    "rate": ("rate: mean firing rate", "rate difference b − a (Hz)"),
    "cv": ("cv: CV(ISI)", "CV(ISI) difference b − a (unitless)"),
    "lv": ("lv: local variation LV", "LV difference b − a (unitless)"),
    "corr": ("corr: mean pairwise correlation", "correlation difference b − a (unitless)"),
    "exponent": ("exponent: aperiodic spectral exponent", "exponent difference b − a (unitless)"),
    "rate_dist": (
        "rate_dist: per-cell rate distribution\nexcess distance over replicate",
        "Wasserstein distance, cross − replicate (Hz)",
    ),
    "cv_dist": (
        "cv_dist: per-cell CV(ISI) distribution\nexcess distance over replicate",
        "Wasserstein distance, cross − replicate (unitless)",
    ),
    "corr_dist": (
        "corr_dist: pairwise correlation distribution\nexcess distance over replicate",
        "Wasserstein distance, cross − replicate (unitless)",
    ),
}
CAPTION_FONTSIZE = 8.5


# --------------------------------------------------------------------------- shared helpers


def backend_order(*tables: pd.DataFrame, column: str = "backend") -> list[str]:
    """Backends in the order they first appear in ``tables`` (``column`` of each)."""
    seen: dict[str, None] = {}
    for t in tables:
        if t is not None and column in t:
            seen.update(dict.fromkeys(str(b) for b in t[column].dropna()))
    return list(seen)


def backend_colors(backends) -> dict[str, str]:
    """A colour per backend, by its place among the sorted names."""
    return {b: PALETTE[i % len(PALETTE)] for i, b in enumerate(sorted(set(backends)))}


def weight_sets(*tables: pd.DataFrame) -> list[tuple[float, float]]:
    """Sorted (g_exc_nS, g_inh_nS) pairs present in any of ``tables``."""
    found = set()
    for t in tables:
        if t is not None and len(t) and all(c in t for c in WEIGHTS):
            found.update((float(x), float(y)) for x, y in t[WEIGHTS].drop_duplicates().itertuples(index=False))
    return sorted(found)


def weights_label(w: tuple[float, float]) -> str:
    return f"g_exc {w[0]:g} nS, g_inh {w[1]:g} nS"


def _at_weights(df: pd.DataFrame, w: tuple[float, float]) -> pd.DataFrame:
    if df is None or not len(df) or not all(c in df for c in WEIGHTS):
        return df.iloc[0:0] if df is not None else pd.DataFrame()
    return df[np.isclose(df["g_exc_nS"].astype(float), w[0]) & np.isclose(df["g_inh_nS"].astype(float), w[1])]


def _has(df: pd.DataFrame, *cols) -> bool:
    return df is not None and len(df) > 0 and all(c in df for c in cols)


def _bool(s: pd.Series) -> pd.Series:
    """A column of booleans that may have been read from a TSV as text."""
    if s.dtype == bool:
        return s
    return s.map(lambda v: str(v).strip().lower() in ("true", "1", "1.0", "yes")).astype(bool)


def new_figure(nrows: int, ncols: int, width_in: float, height_in: float, caption: str, legend_rows: int = 0, **kwargs):
    """Figure with a constrained-layout grid, ``caption`` wrapped along its bottom edge and, above the
    caption, a free strip for a figure legend of ``legend_rows`` rows.

    Returns (fig, axes, legend_y): legend_y is the figure y (0-1) of the centre of the legend strip;
    pass it to :func:`strip_legend`. The caption is plain figure text; the layout keeps its strip free.
    """
    chars = max(40, int(width_in * 72 / (CAPTION_FONTSIZE * 0.52)))
    text = "\n".join(textwrap.fill(p, chars) for p in caption.split("\n"))
    caption_in = (text.count("\n") + 1) * CAPTION_FONTSIZE * 1.3 / 72 + 0.15
    legend_in = legend_rows * 0.24 + (0.12 if legend_rows else 0.0)
    height = height_in + caption_in + legend_in
    fig, axes = plt.subplots(nrows, ncols, figsize=(width_in, height), squeeze=False, layout="constrained", **kwargs)
    bottom = (caption_in + legend_in) / height
    fig.get_layout_engine().set(rect=(0.0, bottom, 1.0, 1.0 - bottom))
    fig.text(0.012, 0.06 / height, text, ha="left", va="bottom", fontsize=CAPTION_FONTSIZE, color="0.15")
    return fig, axes, (caption_in + legend_in / 2) / height


def suptitle(fig, title: str, fontsize: float = 13) -> None:
    """The figure title, wrapped to the figure's width."""
    chars = max(30, int(fig.get_figwidth() * 72 / (fontsize * 0.6)))
    fig.suptitle(textwrap.fill(title, chars), fontsize=fontsize)


def strip_legend(fig, handles, labels, legend_y: float, ncols: int, fontsize: float = 9) -> None:
    """A figure legend centred in the strip that :func:`new_figure` kept free above the caption."""
    fig.legend(
        handles, labels, loc="center", bbox_to_anchor=(0.5, legend_y), ncols=ncols, fontsize=fontsize, frameon=False
    )


def _empty_figure(out_png, out_svg, title: str, note: str, caption: str) -> None:
    fig, axes, _ = new_figure(1, 1, 7.0, 4.2, caption)
    ax = axes[0, 0]
    ax.set_xticks([])
    ax.set_yticks([])
    placeholder(ax, note)
    suptitle(fig, title)
    save_figure(fig, out_png, out_svg)


# --------------------------------------------------------------------------- survival


def km_curve(times, censored) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier survival function of ``times`` (ms); ``censored``: still alive at that time.

    Returns (t, S): S[i] is the fraction still alive just after t[i], starting at (0, 1); plot it
    with ``ax.step(t, S, where="post")``. No times: ([0], [1]).
    """
    t = np.asarray(times, float)
    c = np.asarray(censored, bool)
    ok = np.isfinite(t)
    t, c = t[ok], c[ok]
    if t.size == 0:
        return np.zeros(1), np.ones(1)
    sf = stats.ecdf(stats.CensoredData(uncensored=t[~c], right=t[c])).sf
    q, p = np.asarray(sf.quantiles, float), np.asarray(sf.probabilities, float)
    keep = q > 0
    start = [1.0] if not np.any(q <= 0) else [float(p[~keep][-1])]  # deaths at time 0 count at once
    return np.concatenate([[0.0], q[keep]]), np.concatenate([start, p[keep]])


def _run_rows(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per replicate-0 run: population ``exc`` rows of ``summary``."""
    if not _has(summary, "backend", "replicate", "population"):
        return pd.DataFrame(columns=["backend", *WEIGHTS, "network_seed", "survival_ms", "sustained"])
    runs = summary[(summary["population"] == "exc") & (summary["replicate"].astype(int) == 0)]
    return runs.drop_duplicates([c for c in ["backend", *WEIGHTS, "network_seed"] if c in runs])


def plot_survival(summary: pd.DataFrame, out_png, out_svg, title: str) -> None:
    """Kaplan-Meier curves of the time each backend's networks stay active, one panel per weight set.

    ``summary``: the study's summary table (columns backend, g_exc_nS, g_inh_nS, network_seed,
    replicate, population, sustained, survival_ms, t_stop_ms); one run = its ``exc`` row at
    replicate 0. A run that sustained is censored at its survival time (still alive at the end).
    """
    runs = _run_rows(summary)
    ok = _has(runs, "survival_ms", "sustained", *WEIGHTS)
    weights = weight_sets(runs) if ok else []
    caption = (
        "Kaplan-Meier estimate of the fraction of networks (seeds, replicate 0) whose activity is still "
        "going at each time after the thalamic kick, per backend. A network that sustains to the end is censored "
        "(+ marks); a drop is a network whose activity died. Legend: networks sustained of those simulated. "
        "Curves are nudged apart by under 1 % so that identical ones stay visible."
    )
    if not weights:
        _empty_figure(out_png, out_svg, title, "no runs in the summary table", caption)
        return
    backends = backend_order(runs)
    colors = backend_colors(backends)
    t_stop = (
        float(np.nanmax(summary["t_stop_ms"]))
        if "t_stop_ms" in summary and summary["t_stop_ms"].notna().any()
        else float(np.nanmax(runs["survival_ms"]))
    )
    n = len(weights)
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    fig, axes, _ = new_figure(nrows, ncols, 5.6 * ncols, 4.3 * nrows, caption)
    for ax, w in zip(axes.flat, weights):
        at = _at_weights(runs, w)
        drawn = 0
        for b in backends:
            r = at[at["backend"] == b]
            if not len(r):
                continue
            sustained = _bool(r["sustained"]).to_numpy()
            times = r["survival_ms"].to_numpy(float)
            times = np.where(sustained & ~np.isfinite(times), t_stop, times)
            t, s = km_curve(times, sustained)
            # the curve runs on to the end of the simulation
            t, s = np.append(t, max(t_stop, float(t[-1]))), np.append(s, s[-1])
            offset = 0.006 * (drawn - (len(backends) - 1) / 2)  # keep identical curves apart
            ax.step(
                t,
                s + offset,
                where="post",
                color=colors[b],
                lw=2.0,
                label=f"{b}: {int(sustained.sum())}/{len(r)} sustained",
            )
            cens = times[sustained & np.isfinite(times)]
            if cens.size:
                at_c = s[np.clip(np.searchsorted(t, cens, side="right") - 1, 0, s.size - 1)]
                ax.plot(cens, at_c + offset, "+", color=colors[b], ms=9, mew=1.5, clip_on=False)
            drawn += 1
        if not drawn:
            placeholder(ax, "no runs at these weights")
        else:
            ax.legend(loc="lower left", fontsize=8.5, framealpha=0.9)
        ax.set_xlim(0.0, t_stop)
        ax.set_ylim(-0.03, 1.05)
        ax.set_xlabel("time after the start of the simulation (ms)")
        ax.set_ylabel("fraction of networks still active")
        ax.set_title(weights_label(w), fontsize=10.5)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    suptitle(fig, title)
    save_figure(fig, out_png, out_svg)


# --------------------------------------------------------------------------- paired differences


def _forest_rows(table: pd.DataFrame, statistic: str, several_weights: bool, pair_order: list) -> list[dict]:
    t = table[table["statistic"] == statistic].copy()
    t["_w"] = list(zip(t["g_exc_nS"].astype(float), t["g_inh_nS"].astype(float)))
    t["_pair"] = [pair_order.index((a, b)) for a, b in zip(t["backend_a"], t["backend_b"])]
    t["_pop"] = t["population"].map(POP_ORDER).fillna(9)
    t = t.sort_values(["_w", "_pair", "_pop"], kind="stable")
    rows = []
    for r in t.to_dict("records"):
        label = f"{r['backend_a']} vs {r['backend_b']} ({r['population']})"
        n = r.get("n_seeds")
        if n is not None and np.isfinite(float(n)):
            label += f", n={int(n)}"
        if several_weights:
            label = f"{r['_w'][0]:g}/{r['_w'][1]:g} nS: " + label
        rows.append(dict(r, label=label))
    return rows


def _num(r: dict, key: str) -> float:
    try:
        v = float(r.get(key, np.nan))
    except (TypeError, ValueError):
        return float("nan")
    return v


def _forest_panel(ax, rows: list[dict], statistic: str) -> None:
    one_sided = statistic.endswith("_dist")
    y = np.arange(len(rows))[::-1].astype(float)
    xs = [0.0]
    for r in rows:
        for k in ("estimate", "ci_low", "ci_high"):
            xs.append(_num(r, k))
        m = _num(r, "margin")
        xs += [m] if one_sided else [m, -m]
    xs = np.array([x for x in xs if np.isfinite(x)])
    lo, hi = float(xs.min()), float(xs.max())
    pad = 0.08 * (hi - lo) if hi > lo else 1.0
    lo, hi = lo - pad, hi + pad
    for yi, r in zip(y, rows):
        m = _num(r, "margin")
        if np.isfinite(m):
            left = lo if one_sided else -m
            ax.barh(yi, m - left, left=left, height=0.8, color="0.87", zorder=0, lw=0)
        est, cl, ch = _num(r, "estimate"), _num(r, "ci_low"), _num(r, "ci_high")
        verdict = str(r.get("verdict", ""))
        if verdict == "not compared" or not np.isfinite(est):
            why = "not compared" if verdict == "not compared" else "n/a"
            ax.text(
                0.5 * (lo + hi),
                yi,
                why,
                ha="center",
                va="center",
                fontsize=8,
                color="0.35",
                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8),
                zorder=4,
            )
            continue
        color = VERDICT_COLORS.get(verdict, "0.3")
        if np.isfinite(cl) and np.isfinite(ch):
            ax.plot([cl, ch], [yi, yi], color=color, lw=2.2, solid_capstyle="butt", zorder=2)
            ax.plot([cl, ch], [yi, yi], "|", color=color, ms=7, mew=1.5, zorder=2)
        ax.plot([est], [yi], "o", color=color, ms=6.5, mec="black", mew=0.6, zorder=3)
    ax.axvline(0.0, color="black", lw=0.9, zorder=1)
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_yticks(y, [r["label"] for r in rows], fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", alpha=0.3)


def plot_paired_differences(agreement: pd.DataFrame, out_png, out_svg, title: str) -> None:
    """Forest plot of the verdict table: one panel per statistic, one row per (weights, pair, population).

    ``agreement``: :func:`vabench.compare.agreement_table`'s table. Dot: the seed-paired
    difference b - a, coloured by verdict; bar: its confidence interval; grey band: the
    equivalence margin of that row (one-sided, below +margin, for the distance statistics).
    """
    caption = (
        "Each row: one pair of backends a vs b and population; dot = mean over seeds of the seed-paired "
        "difference b − a, bar = its confidence interval, grey band = equivalence margin of that row (rate: "
        "relative to a's rate). Equivalent: the interval lies inside the band; different: wholly outside; "
        "inconclusive: neither. Distribution rows (*_dist): Wasserstein distance between a and b minus the "
        "distance of each backend to its own one-spike replicate; equivalent when below +margin (one-sided). "
        "n = seeds compared."
    )
    need = ["statistic", "backend_a", "backend_b", "population", "estimate", *WEIGHTS]
    if not _has(agreement, *need):
        _empty_figure(out_png, out_svg, title, "no comparisons in the agreement table", caption)
        return
    table = agreement.copy()
    if "verdict" in table:
        not_compared = table[(table["verdict"] == "not compared") & ~table["statistic"].isin(STATISTICS)]
        notes = []
        for r in not_compared.to_dict("records"):
            reason = r.get("reason")
            notes.append(
                f"{r['backend_a']} vs {r['backend_b']}" + (f" ({reason})" if isinstance(reason, str) and reason else "")
            )
        if notes:
            caption += "\nNot compared: " + "; ".join(dict.fromkeys(notes)) + "."
    table = table[table["statistic"].isin(STATISTICS)]
    statistics = [s for s in STATISTICS if s in set(table["statistic"])]
    if not statistics:
        _empty_figure(out_png, out_svg, title, "no statistic was compared", caption)
        return
    several = len(weight_sets(table)) > 1
    pair_order = list(dict.fromkeys(zip(table["backend_a"], table["backend_b"])))
    panels = {s: _forest_rows(table, s, several, pair_order) for s in statistics}
    n = len(statistics)
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    grid = [statistics[i * ncols : (i + 1) * ncols] for i in range(nrows)]
    heights = [max(len(panels[s]) for s in row) * 0.27 + 1.25 for row in grid]
    longest = max(len(r["label"]) for rows in panels.values() for r in rows)
    width = max(7.5, ncols * (3.4 + 0.058 * longest))
    legend_cols = max(2, min(5, int(width / 2.1)))
    fig, axes, legend_y = new_figure(
        nrows, ncols, width, sum(heights) + 0.6, caption, legend_rows=math.ceil(5 / legend_cols), height_ratios=heights
    )
    for ax, s in zip(axes.flat, statistics):
        _forest_panel(ax, panels[s], s)
        title_s, xlabel = STATISTICS[s]
        ax.set_title(title_s, fontsize=9.5)
        ax.set_xlabel(xlabel, fontsize=8.5)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    handles = [
        Line2D([], [], ls="none", marker="o", color=c, mec="black", mew=0.6, ms=7, label=v)
        for v, c in VERDICT_COLORS.items()
    ]
    handles += [
        Line2D([], [], color="0.3", lw=2.2, label="confidence interval"),
        Patch(color="0.87", label="equivalence margin"),
    ]
    strip_legend(fig, handles, [h.get_label() for h in handles], legend_y, ncols=legend_cols)
    suptitle(fig, title)
    save_figure(fig, out_png, out_svg)


# --------------------------------------------------------------------------- distributions


def _ecdf_xy(values, max_points: int = 1500) -> tuple[np.ndarray, np.ndarray]:
    """Empirical CDF as (x, F) for ``ax.step(where="post")``, thinned to about ``max_points`` steps."""
    x = np.sort(np.asarray(values, float))
    x = x[np.isfinite(x)]
    n = x.size
    if n == 0:
        return x, x
    f = np.arange(1, n + 1) / n
    if n > max_points:
        idx = np.unique(np.round(np.linspace(0, n - 1, max_points)).astype(int))
        x, f = x[idx], f[idx]
    return np.concatenate([[x[0]], x]), np.concatenate([[0.0], f])


def _sustained_runs(summary: pd.DataFrame) -> set:
    """(backend, network_seed, replicate) of the runs that sustained (first weight set already chosen)."""
    if not _has(summary, "backend", "network_seed", "replicate", "sustained"):
        return set()
    s = summary.assign(_sus=_bool(summary["sustained"]))
    s = s.groupby(["backend", "network_seed", "replicate"])["_sus"].all()
    return {(b, int(seed), int(rep)) for (b, seed, rep), ok in s.items() if ok}


def _keep_runs(df: pd.DataFrame, runs: set) -> pd.DataFrame:
    if not _has(df, "backend", "network_seed", "replicate"):
        return pd.DataFrame(columns=list(df.columns) if df is not None else [])
    key = list(zip(df["backend"].astype(str), df["network_seed"].astype(int), df["replicate"].astype(int)))
    return df[[k in runs for k in key]]


def plot_distributions(
    cells: pd.DataFrame, pairs: pd.DataFrame, summary: pd.DataFrame, out_png, out_svg, title: str
) -> None:
    """ECDFs of per-cell rate, CV(ISI) and pairwise correlation per backend and population, with the
    first backend's one-spike replicates as the chaos baseline (first weight set, sustained runs only).

    ``cells``: per-cell table with backend, g_exc_nS, g_inh_nS, network_seed, replicate, population,
    rate_hz, cv_isi; ``pairs``: the same keys with population and corr; ``summary``: which runs sustained.
    """
    caption_base = (
        "Empirical cumulative distributions over the cells (or cell pairs) of all sustained networks of a "
        "backend (replicate 0, solid), pooled over seeds. Dashed black: the first backend's one-spike "
        "replicates (the same networks with one input spike moved by one dt), i.e. how far chaos alone "
        "moves the distribution. CV(ISI) only for cells with enough spikes."
    )
    weights = weight_sets(cells, pairs, summary)
    if not weights:
        _empty_figure(out_png, out_svg, title, "no cells, pairs or runs to show", caption_base)
        return
    w = weights[0]
    caption = (
        caption_base
        + f" Weights: {weights_label(w)}"
        + (f" (first of {len(weights)} weight sets)." if len(weights) > 1 else ".")
    )
    cells_w, pairs_w, summary_w = (
        _at_weights(t, w) if t is not None else pd.DataFrame() for t in (cells, pairs, summary)
    )
    runs = _sustained_runs(summary_w)
    cells_w, pairs_w = _keep_runs(cells_w, runs), _keep_runs(pairs_w, runs)
    backends = backend_order(summary_w, cells_w, pairs_w)
    colors = backend_colors(backends)
    reps = sorted({r for _, _, r in runs})
    first = backends[0] if backends else None
    columns = [
        ("cells", "rate_hz", "per-cell firing rate (Hz)"),
        ("cells", "cv_isi", "CV(ISI) per cell (unitless)"),
        ("pairs", "corr", "pairwise spike-count correlation coefficient (unitless)"),
    ]
    has_reps = first is not None and bool(reps) and max(reps) >= 1
    if not has_reps:
        caption += " No sustained one-spike replicate: no baseline drawn."
    n_lines = len(backends) + (1 if has_reps else 0)
    fig, axes, legend_y = new_figure(2, 3, 15.0, 8.6, caption, legend_rows=max(1, math.ceil(n_lines / 5)))
    n_runs = {b: sum(1 for k in runs if k[0] == b and k[2] == 0) for b in backends}
    n_rep = sum(1 for k in runs if k[0] == first and k[2] >= 1)
    for i, pop in enumerate(("exc", "inh")):
        for j, (kind, col, xlabel) in enumerate(columns):
            ax = axes[i, j]
            df = cells_w if kind == "cells" else pairs_w
            drawn = 0
            if _has(df, "population", col):
                d = df[df["population"] == pop]
                lines = [
                    (
                        b,
                        d[(d["backend"] == b) & (d["replicate"].astype(int) == 0)],
                        dict(color=colors[b], lw=1.8),
                        f"{b} ({n_runs[b]} run{'s' if n_runs[b] != 1 else ''})",
                    )
                    for b in backends
                ]
                if has_reps:
                    lines.append(
                        (
                            first,
                            d[(d["backend"] == first) & (d["replicate"].astype(int) >= 1)],
                            dict(color=REPLICATE_COLOR, lw=1.6, ls="--"),
                            f"{first} one-spike replicates ({n_rep} run{'s' if n_rep != 1 else ''})",
                        )
                    )
                for b, sel, style, label in lines:
                    x, f = _ecdf_xy(sel[col].to_numpy(float))
                    if x.size == 0:
                        continue
                    ax.step(x, f, where="post", label=label, **style)
                    drawn += 1
            if not drawn:
                placeholder(ax, "no sustained runs" if not runs else "no values")
            ax.set_ylim(-0.02, 1.02)
            ax.set_xlabel(f"{xlabel}, {POP_LABELS[pop]}", fontsize=9)
            ax.set_ylabel("fraction of cells ≤ x" if kind == "cells" else "fraction of pairs ≤ x", fontsize=9)
            ax.set_title(f"{POP_LABELS[pop]}: {xlabel.split(' (')[0]}", fontsize=10)
            ax.grid(alpha=0.3)
            if col == "rate_hz" and drawn:
                ax.set_xlim(left=0.0)
    handles, labels = [], []
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    for b in backends:
        if not n_runs[b]:
            handles.append(Line2D([], [], color=colors[b], lw=1.8, alpha=0.4))
            labels.append(f"{b} (no sustained run)")
    if handles:
        strip_legend(fig, handles, labels, legend_y, ncols=min(len(handles), 5))
    suptitle(fig, title)
    save_figure(fig, out_png, out_svg)


# --------------------------------------------------------------------------- divergence


def _divergence_level_time(mean: pd.Series, level: float = 0.5) -> float:
    below = mean[mean < level]
    return float(below.index[0]) if len(below) else float("nan")


def plot_divergence(divergence: pd.DataFrame, out_png, out_svg, title: str) -> None:
    """Fraction of spikes matched within +-dt per time window: each pair of backends, and each backend
    against its own one-spike replicate (dashed); mean over seeds, band the middle half of the seeds
    (25th-75th percentile); one panel per weight set.

    ``divergence``: :func:`vabench.analysis.divergence_table` (comparison, backend_a, backend_b,
    replicate_b, window_start_ms, window_stop_ms, matched_fraction per seed).
    """
    caption = (
        "Fraction of spikes of run a and run b that have a spike of the same cell in the other run within "
        "± one time step, per time window, averaged over network seeds (band: the middle half of the seeds). Solid: "
        "two backends on the same network; dashed: a backend against its own one-spike replicate (the chaos "
        "reference). Points at window centres. Legend: seeds, and where the mean first falls below 0.5 (dotted)."
    )
    need = ["comparison", "backend_a", "backend_b", "window_start_ms", "window_stop_ms", "matched_fraction", *WEIGHTS]
    d = divergence.copy() if divergence is not None else pd.DataFrame()
    if _has(d, *need):
        d = d[np.isfinite(d["matched_fraction"].astype(float))]
    if not _has(d, *need):
        _empty_figure(out_png, out_svg, title, "no matched-spike windows (no runs, or no spikes)", caption)
        return
    d["centre"] = 0.5 * (d["window_start_ms"].astype(float) + d["window_stop_ms"].astype(float))
    d["label"] = [
        f"{a} vs {b}" if c == "backends" else f"{a} vs its replicate"
        for a, b, c in zip(d["backend_a"], d["backend_b"], d["comparison"])
    ]
    d["is_rep"] = d["comparison"] != "backends"
    if "network_seed" not in d:
        d["network_seed"] = 0
    labels = list(dict.fromkeys(d.loc[~d["is_rep"], "label"])) + list(dict.fromkeys(d.loc[d["is_rep"], "label"]))
    backends = backend_order(d, column="backend_a")
    colors = backend_colors(list(dict.fromkeys(backends + backend_order(d, column="backend_b"))))
    pair_colors = dict(
        zip(
            [lab for lab in labels if " its " not in lab],
            ["black", "tab:red", "tab:olive", "tab:pink", "tab:gray", "tab:cyan", "navy", "gold", "teal", "sienna"] * 5,
        )
    )
    centres = np.sort(d["centre"].unique())
    log_x = centres.size > 1 and centres[0] > 0 and centres[-1] / centres[0] >= 10
    weights = weight_sets(d)
    n = len(weights)
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    fig, axes, _ = new_figure(nrows, ncols, max(10.0, 6.4 * ncols), 4.6 * nrows, caption)
    for k, (ax, w) in enumerate(zip(axes.flat, weights)):
        at = _at_weights(d, w)
        for label in labels:
            sel = at[at["label"] == label]
            if not len(sel):
                continue
            # mean over seeds of each seed's value (a seed with several replicates counts once)
            per_seed = sel.groupby(["centre", "network_seed"])["matched_fraction"].mean()
            g = per_seed.groupby(level="centre")
            mean, low, high = g.mean(), g.quantile(0.25), g.quantile(0.75)
            starts = sel.groupby("centre")["window_start_ms"].first()
            t50 = _divergence_level_time(pd.Series(mean.to_numpy(), index=starts.loc[mean.index].to_numpy()))
            n_seeds = sel["network_seed"].nunique()
            rep = bool(sel["is_rep"].iloc[0])
            color = colors[str(sel["backend_a"].iloc[0])] if rep else pair_colors[label]
            text = f"{label} ({n_seeds} seed{'s' if n_seeds != 1 else ''}" + (
                f"; < 0.5 from {t50:g} ms)" if np.isfinite(t50) else "; stays ≥ 0.5)"
            )
            ax.plot(
                mean.index,
                mean.to_numpy(),
                ls="--" if rep else "-",
                marker="s" if rep else "o",
                ms=4,
                lw=1.8,
                color=color,
                label=text,
            )
            if n_seeds > 1:
                ax.fill_between(mean.index, low.to_numpy(), high.to_numpy(), color=color, alpha=0.12, lw=0)
        ax.axhline(0.5, color="0.3", ls=":", lw=1.2)
        if log_x:
            ax.set_xscale("log")
        if centres.size <= 12:  # tick each window centre, in plain numbers
            ax.set_xticks(centres, [f"{c:g}" for c in centres])
            ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.set_ylim(-0.02, 1.05)
        ax.set_xlabel("time window centre (ms)" + (", log scale" if log_x else ""))
        ax.set_ylabel("fraction of spikes matched within ± dt")
        ax.set_title(weights_label(w), fontsize=10.5)
        ax.grid(alpha=0.3)
        entries = len(ax.get_legend_handles_labels()[0])
        if entries:
            # below the panel: the curves may run anywhere inside it
            ax.legend(
                loc="upper center",
                bbox_to_anchor=(0.5, -0.16),
                ncols=2 if entries > 3 else 1,
                fontsize=8,
                frameon=False,
            )
        else:
            placeholder(ax, "no windows at these weights")
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    suptitle(fig, title)
    save_figure(fig, out_png, out_svg)
