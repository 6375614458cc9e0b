"""The figure functions draw and save both formats, also for a run without spikes or traces."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from vabench.figures.backends import plot_backends  # noqa: E402
from vabench.figures.state_histograms import plot_state_histograms  # noqa: E402
from vabench.io import empty_spikes, write_npz, write_spikes, write_tsv  # noqa: E402

T_STOP_MS = 200.0
N_CELLS = {"exc": 40, "inh": 10}


def _cell_table(spikes: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for pop, n in N_CELLS.items():
        for cell in range(n):
            t = np.sort(spikes.loc[(spikes["population"] == pop) & (spikes["cell"] == cell), "time_ms"].to_numpy())
            isi = np.diff(t)
            cv = float(isi.std() / isi.mean()) if t.size >= 3 else np.nan
            rows.append((pop, cell, t.size, t.size / (T_STOP_MS * 1e-3), cv))
    return pd.DataFrame(rows, columns=["population", "cell", "n_spikes", "rate_hz", "cv_isi"])


def _write_run(folder, active: bool) -> dict:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    t = np.arange(0.0, T_STOP_MS + 0.05, 0.1)
    if active:
        frames = []
        for pop, n in N_CELLS.items():
            for cell in range(n):
                times = np.sort(rng.uniform(0.0, T_STOP_MS, size=rng.integers(0, 12)))
                frames.append(pd.DataFrame({"population": pop, "cell": np.int32(cell), "time_ms": times}))
        spikes = pd.concat(frames, ignore_index=True)
        spikes["population"] = pd.Categorical(spikes["population"], categories=("exc", "inh"))
        spikes["cell"] = spikes["cell"].astype(np.int32)
        traces = {"t_ms": t}
        for pop in N_CELLS:
            traces[f"{pop}_cells"] = np.array([0, 1, 2], dtype=np.int32)
            traces[f"{pop}_v_mV"] = rng.uniform(-80, -50, size=(3, t.size)).astype(np.float32)
            traces[f"{pop}_gsyn_exc_uS"] = rng.exponential(0.01, size=(3, t.size)).astype(np.float32)
            traces[f"{pop}_gsyn_inh_uS"] = rng.exponential(0.05, size=(3, t.size)).astype(np.float32)
    else:
        spikes = empty_spikes()
        traces = {"t_ms": t}
        for pop in N_CELLS:
            traces[f"{pop}_cells"] = np.zeros(0, dtype=np.int32)
            for var in ("v_mV", "gsyn_exc_uS", "gsyn_inh_uS"):
                traces[f"{pop}_{var}"] = np.zeros((0, 0), dtype=np.float32)
    write_spikes(folder / "spikes.parquet", spikes)
    write_npz(folder / "traces.npz", **traces)
    write_tsv(folder / "cells.tsv", _cell_table(spikes))
    run = {
        "backend": folder.name,
        "spikes": folder / "spikes.parquet",
        "traces": folder / "traces.npz",
        "cells": folder / "cells.tsv",
    }
    if not active:
        run["note"] = "virtual run: no spikes"
    return run


@pytest.fixture
def runs(tmp_path):
    return [_write_run(tmp_path / "runs" / "nest", active=True), _write_run(tmp_path / "runs" / "brian2", active=False)]


def _check_outputs(png, svg):
    for path in (png, svg):
        assert path.is_file() and path.stat().st_size > 0
    image = mpimg.imread(png)
    assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 300
    assert svg.read_text().lstrip().startswith("<?xml")
    # atomic writes leave no temporary files behind
    assert sorted(p.name for p in png.parent.iterdir()) == sorted({png.name, svg.name})


def test_plot_backends(runs, tmp_path):
    png = tmp_path / "out" / "figures" / "fig24.png"
    svg = tmp_path / "out" / "figures" / "fig24.svg"
    plot_backends(runs, png, svg, title="synthetic", t_stop_ms=T_STOP_MS, raster_cells=20)
    _check_outputs(png, svg)


def test_plot_state_histograms(runs, tmp_path):
    png = tmp_path / "out" / "state.png"
    svg = tmp_path / "out" / "state.svg"
    plot_state_histograms(runs, png, svg, title="synthetic")
    _check_outputs(png, svg)
