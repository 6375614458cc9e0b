"""The grid of the sustained-activity map: its axes, the rows one job simulates, and the points
where a finished map is checked against a reference engine (numpy and pandas only: the map's
simulation jobs import it)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def axis_values(spec) -> list[float]:
    """A grid axis from a list or from {start, stop, num} (stop included), rounded to 1e-6."""
    if isinstance(spec, dict):
        values = np.linspace(spec["start"], spec["stop"], spec["num"])
    else:
        values = np.asarray(spec, dtype=float)
    return sorted({round(float(v), 6) for v in values})


def row_groups(g_exc_values: list[float], rows_per_job: int | None) -> list[list[float]]:
    """The g_exc rows of the grid, in groups of ``rows_per_job`` (None: one group)."""
    k = rows_per_job or len(g_exc_values)
    return [g_exc_values[i : i + k] for i in range(0, len(g_exc_values), k)]


def group_label(rows: list[float]) -> str:
    """The job label of a group of rows: its first and last g_exc (nS)."""
    return f"gexc~{rows[0]!r}-{rows[-1]!r}"


def edge_points(points: pd.DataFrame, n_points: int, benchmark_point) -> list[tuple[float, float]]:
    """The points to check a map against another engine: the ``n_points`` whose fraction of
    seeds that sustained is nearest 1/2 (the edge; ties: lower g_exc, then g_inh), then the
    benchmark point if it is on the grid."""
    frac = points.groupby(["g_exc_nS", "g_inh_nS"])["sustained"].mean().reset_index()
    frac["distance"] = (frac["sustained"] - 0.5).abs()
    frac = frac.sort_values(["distance", "g_exc_nS", "g_inh_nS"], kind="stable")
    chosen = [(float(r.g_exc_nS), float(r.g_inh_nS)) for r in frac.head(n_points).itertuples()]
    bench = (round(float(benchmark_point[0]), 6), round(float(benchmark_point[1]), 6))
    on_grid = {(round(x, 6), round(y, 6)) for x, y in zip(frac["g_exc_nS"], frac["g_inh_nS"])}
    if bench in on_grid and bench not in {(round(x, 6), round(y, 6)) for x, y in chosen}:
        chosen.append(bench)
    return chosen


def check_points(points_table, n_points: int, benchmark_point) -> list[tuple[float, float]]:
    """The points where the map is checked: its edge and the benchmark point (:func:`edge_points`)."""
    return edge_points(pd.read_csv(points_table, sep="\t"), n_points, benchmark_point)
