"""The ensemble figures draw and save both formats from synthetic tables, also empty or partial ones."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from vabench.compare import agreement_table  # noqa: E402
from vabench.figures.ensemble import (  # noqa: E402
    backend_colors,
    km_curve,
    plot_distributions,
    plot_divergence,
    plot_paired_differences,
    plot_survival,
)

BACKENDS = ["nest", "neuron", "brian2"]
SEEDS = list(range(101, 107))
T_STOP_MS = 1000.0
WEIGHTS = (4.0, 51.0)
N_CELLS = {"exc": 40, "inh": 10}
WINDOWS = [0, 10, 20, 30, 50, 100, 200]
COMPARE = {
    "ci_level": 0.9,
    "rate_margin_rel": 0.1,
    "cv_margin": 0.05,
    "lv_margin": 0.05,
    "corr_margin": 0.002,
    "survival_margin": 0.2,
    "exponent_margin": 0.3,
    "distance_margin_rel": 0.5,
}


def _died(backend: str, seed: int, rep: int) -> bool:
    # neuron loses two networks, brian2 one, nest none; replicate 1 of seed 101 dies too
    return (backend, seed) in {("neuron", 102), ("neuron", 105), ("brian2", 103)} or (seed, rep) == (101, 1)


@pytest.fixture(scope="module")
def tables():
    rng = np.random.default_rng(7)
    summary, cells, pairs = [], [], []
    for backend, seed, rep in itertools.product(BACKENDS, SEEDS, (0, 1)):
        died = _died(backend, seed, rep)
        survival = 150.0 + 40 * (seed - 100) + 10 * BACKENDS.index(backend) if died else T_STOP_MS
        base = {
            "backend": backend,
            "g_exc_nS": WEIGHTS[0],
            "g_inh_nS": WEIGHTS[1],
            "network_seed": seed,
            "replicate": rep,
        }
        for pop, n in N_CELLS.items():
            scale = 1.0 + 0.05 * BACKENDS.index(backend)
            rate = rng.gamma(2.0, 5.0 * scale, n) if not died else np.zeros(n)
            cv = np.where(rate > 3, rng.normal(1.0, 0.2, n), np.nan)
            cells.append(
                pd.DataFrame(
                    dict(
                        base,
                        population=pop,
                        cell=np.arange(n),
                        n_spikes=(rate * 1).astype(int),
                        rate_hz=rate,
                        cv_isi=cv,
                        lv=rng.normal(1.0, 0.1, n),
                    )
                )
            )
            a, b = np.triu_indices(n, 1)
            k = min(30, a.size)
            pairs.append(
                pd.DataFrame(
                    dict(base, population=pop, cell_a=a[:k], cell_b=b[:k], corr=rng.normal(0.002 * scale, 0.01, k))
                )
            )
            summary.append(
                dict(
                    base,
                    population=pop,
                    sustained=not died,
                    survival_ms=survival,
                    t_stop_ms=T_STOP_MS,
                    rate_hz=float(rate.mean()),
                    cv_isi=float(np.nanmedian(cv)) if not died else np.nan,
                    lv=1.0 + 0.01 * rng.normal(),
                    corr=0.002 * scale + 0.001 * rng.normal(),
                    exponent=1.5 + 0.1 * rng.normal(),
                    note="",
                )
            )
    summary = pd.DataFrame(summary)
    cells = pd.concat(cells, ignore_index=True)
    pairs = pd.concat(pairs, ignore_index=True)

    def values(backend, seed, replicate, kind, population, column):
        df = cells if kind == "cells" else pairs
        sel = df[
            (df.backend == backend)
            & (df.network_seed == seed)
            & (df.replicate == replicate)
            & (df.population == population)
        ]
        return sel[column].to_numpy(float) if len(sel) else None

    agreement = agreement_table(summary, BACKENDS, COMPARE, values)
    rows = []
    for seed in SEEDS:
        for a, b, kind, rep_b, tau in [
            ("nest", "neuron", "backends", 0, 20.0),
            ("nest", "brian2", "backends", 0, 25.0),
            ("neuron", "brian2", "backends", 0, 22.0),
            ("nest", "nest", "replicate", 1, 30.0),
            ("neuron", "neuron", "replicate", 1, 28.0),
        ]:
            for lo, hi in zip(WINDOWS[:-1], WINDOWS[1:]):
                frac = float(np.clip(np.exp(-(lo + hi) / 2 / tau) + 0.05 * rng.normal(), 0, 1))
                rows.append(
                    {
                        "g_exc_nS": WEIGHTS[0],
                        "g_inh_nS": WEIGHTS[1],
                        "network_seed": seed,
                        "comparison": kind,
                        "backend_a": a,
                        "backend_b": b,
                        "replicate_b": rep_b,
                        "window_start_ms": float(lo),
                        "window_stop_ms": float(hi),
                        "n_a": 100,
                        "n_b": 100,
                        "matched_fraction": frac,
                    }
                )
    return {
        "summary": summary,
        "cells": cells,
        "pairs": pairs,
        "agreement": agreement,
        "divergence": pd.DataFrame(rows),
    }


def _check(tmp_path, name):
    png, svg = tmp_path / f"{name}.png", tmp_path / f"{name}.svg"
    assert png.exists() and svg.exists()
    img = mpimg.imread(png)
    assert img.shape[0] > 300 and img.shape[1] > 300
    assert svg.stat().st_size > 1000


def _draw_all(t, tmp_path, prefix):
    plot_survival(t["summary"], tmp_path / f"{prefix}survival.png", tmp_path / f"{prefix}survival.svg", "Survival")
    plot_paired_differences(
        t["agreement"], tmp_path / f"{prefix}paired.png", tmp_path / f"{prefix}paired.svg", "Paired"
    )
    plot_distributions(
        t["cells"],
        t["pairs"],
        t["summary"],
        tmp_path / f"{prefix}dist.png",
        tmp_path / f"{prefix}dist.svg",
        "Distributions",
    )
    plot_divergence(
        t["divergence"], tmp_path / f"{prefix}divergence.png", tmp_path / f"{prefix}divergence.svg", "Divergence"
    )
    for name in ("survival", "paired", "dist", "divergence"):
        _check(tmp_path, prefix + name)


# --------------------------------------------------------------------------- numbers


def test_km_curve_hand_computed():
    t, s = km_curve([100.0, 200.0, 300.0, 300.0], [False, False, True, True])
    assert t[0] == 0.0 and s[0] == 1.0
    after = dict(zip(t, s))
    assert after[100.0] == pytest.approx(0.75)
    assert after[200.0] == pytest.approx(0.5)
    assert s[-1] == pytest.approx(0.5)  # censored runs do not lower the curve


def test_km_curve_censoring_before_a_death():
    # 4 at risk: death at 100 (3/4), censored at 150, death at 200 among 2 at risk (3/4 * 1/2)
    t, s = km_curve([100.0, 150.0, 200.0, 300.0], [False, True, False, True])
    after = dict(zip(t, s))
    assert after[100.0] == pytest.approx(0.75)
    assert after[200.0] == pytest.approx(0.375)


def test_km_curve_edge_cases():
    t, s = km_curve([1000.0, 1000.0], [True, True])
    assert np.all(s == 1.0)
    t, s = km_curve([], [])
    assert list(t) == [0.0] and list(s) == [1.0]
    t, s = km_curve([50.0, 80.0], [False, False])
    assert s[-1] == 0.0


def test_backend_colors_stable_and_distinct():
    """Within one study (one set of backends) the order a table lists them in does not matter."""
    a = backend_colors(["neuron", "nest", "foo", "bar"])
    b = backend_colors(["bar", "foo", "nest", "neuron"])
    assert a == b
    assert len(set(a.values())) == 4


def test_synthetic_agreement_has_the_expected_columns(tables):
    ag = tables["agreement"]
    assert {"survival", "rate", "rate_dist", "corr_dist"} <= set(ag["statistic"])
    assert set(ag["verdict"]) <= {"equivalent", "inconclusive", "different", "not compared"}


# --------------------------------------------------------------------------- figures


def test_figures_full(tables, tmp_path):
    _draw_all(tables, tmp_path, "")


def test_figures_empty(tmp_path):
    empty = {k: pd.DataFrame() for k in ("summary", "cells", "pairs", "agreement", "divergence")}
    _draw_all(empty, tmp_path, "empty_")


def test_figures_partial(tables, tmp_path):
    """All runs of one backend died, no replicates, NaN estimates and a 'not compared' pair."""
    summary = tables["summary"].copy()
    dead = summary["backend"] == "brian2"
    summary.loc[dead, "sustained"] = False
    summary.loc[dead, "survival_ms"] = 300.0
    summary = summary[summary["replicate"] == 0]
    cells = tables["cells"][tables["cells"]["replicate"] == 0]
    pairs = tables["pairs"][tables["pairs"]["replicate"] == 0]
    ag = tables["agreement"].copy()
    ag.loc[ag["statistic"] == "rate_dist", ["estimate", "ci_low", "ci_high"]] = np.nan
    ag = pd.concat(
        [
            ag,
            pd.DataFrame(
                [
                    {
                        "g_exc_nS": WEIGHTS[0],
                        "g_inh_nS": WEIGHTS[1],
                        "backend_a": "nest",
                        "backend_b": "spinnaker",
                        "population": "all",
                        "statistic": "all",
                        "verdict": "not compared",
                        "reason": "virtual run: no spikes",
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    div = tables["divergence"][tables["divergence"]["comparison"] == "backends"]
    _draw_all(
        {"summary": summary, "cells": cells, "pairs": pairs, "agreement": ag, "divergence": div}, tmp_path, "partial_"
    )


def test_figures_all_died(tables, tmp_path):
    summary = tables["summary"].assign(sustained=False, survival_ms=200.0)
    div = tables["divergence"].assign(matched_fraction=np.nan)
    _draw_all(
        {
            "summary": summary,
            "cells": tables["cells"],
            "pairs": tables["pairs"],
            "agreement": tables["agreement"].iloc[:1],
            "divergence": div,
        },
        tmp_path,
        "died_",
    )


def test_figures_several_weight_sets(tables, tmp_path):
    other = {
        k: tables[k].assign(g_exc_nS=6.0, g_inh_nS=67.0)
        for k in ("summary", "cells", "pairs", "agreement", "divergence")
    }
    both = {k: pd.concat([tables[k], other[k]], ignore_index=True) for k in other}
    _draw_all(both, tmp_path, "multi_")
