import numpy as np
import pandas as pd
import pytest

from vabench.compare import agreement_table, compare_pair, rel_diff
from vabench.stats import cell_table, closing_rate, cv_isi, firing_rates, is_sustained, population_rate, run_summary

THRESHOLDS = {"max_rate_rel_diff": 0.15, "max_ks_rate": 0.2, "max_ks_cv": 0.25}
ANALYSIS = {"sustained_window_ms": 100.0, "sustained_min_rate_hz": 1.0, "min_spikes_cv": 3}


def spikes_df(rows):
    df = pd.DataFrame(rows, columns=["population", "cell", "time_ms"])
    df["population"] = pd.Categorical(df["population"], categories=["exc", "inh"])
    return df


def poisson_spikes(rng, n_cells, rate_hz, t_stop_ms, pop):
    rows = []
    for c in range(n_cells):
        n = rng.poisson(rate_hz * t_stop_ms * 1e-3)
        rows += [(pop, c, t) for t in np.sort(rng.uniform(0, t_stop_ms, n))]
    return rows


def test_regular_train_has_cv_zero():
    assert cv_isi(np.arange(10.0, 1000.0, 10.0)) == pytest.approx(0.0, abs=1e-12)


def test_long_poisson_train_has_cv_near_one():
    rng = np.random.default_rng(0)
    times = np.cumsum(rng.exponential(10.0, size=20000))
    assert cv_isi(times) == pytest.approx(1.0, abs=0.03)


def test_cv_needs_three_spikes():
    assert np.isnan(cv_isi([1.0, 2.0]))
    assert not np.isnan(cv_isi([1.0, 2.0, 4.0]))


def test_rates_are_exact():
    rates = firing_rates({0: [1.0, 2.0, 3.0], 2: [500.0]}, n_cells=3, t_start_ms=0.0, t_stop_ms=500.0)
    np.testing.assert_allclose(rates, [6.0, 0.0, 0.0])  # the spike at 500 ms is outside [0, 500)
    cells = cell_table(spikes_df([("exc", 0, 1.0), ("exc", 0, 2.0), ("inh", 1, 3.0)]), {"exc": 2, "inh": 2}, 1000.0)
    assert list(cells["rate_hz"]) == [2.0, 0.0, 0.0, 1.0]


def test_population_rate_and_closing_window():
    sp = spikes_df([("exc", c, t) for c in range(10) for t in (5.0, 950.0)])
    centres, rate = population_rate(sp, "exc", n_cells=10, t_stop_ms=1000.0, bin_ms=10.0)
    assert len(centres) == 100 and rate[0] == pytest.approx(100.0) and rate.sum() == pytest.approx(200.0)
    assert closing_rate(sp, 10, 1000.0, 100.0) == pytest.approx(10.0)


def test_sustained_flag():
    rng = np.random.default_rng(1)
    alive = spikes_df(poisson_spikes(rng, 50, 10.0, 1000.0, "exc"))
    dead = alive[alive["time_ms"] < 200.0]
    assert is_sustained(alive, 50, 1000.0, 100.0, 1.0)
    assert not is_sustained(dead, 50, 1000.0, 100.0, 1.0)
    assert not is_sustained(dead.iloc[:0], 50, 1000.0, 100.0, 0.0)
    cells = cell_table(dead, {"exc": 50, "inh": 0}, 1000.0)
    summary = run_summary(dead, cells, 1000.0, ANALYSIS)
    assert not summary["sustained"].any()


def test_same_statistics_agree_different_differ():
    rng = np.random.default_rng(2)
    a = spikes_df(poisson_spikes(rng, 200, 15.0, 1000.0, "exc") + poisson_spikes(rng, 50, 15.0, 1000.0, "inh"))
    b = spikes_df(poisson_spikes(rng, 200, 15.0, 1000.0, "exc") + poisson_spikes(rng, 50, 15.0, 1000.0, "inh"))
    fast = spikes_df(poisson_spikes(rng, 200, 60.0, 1000.0, "exc") + poisson_spikes(rng, 50, 60.0, 1000.0, "inh"))
    n = {"exc": 200, "inh": 50}
    runs = {("nest", 4.0, 51.0): (cell_table(a, n, 1000.0), True),
            ("neuron", 4.0, 51.0): (cell_table(b, n, 1000.0), True),
            ("brian2", 4.0, 51.0): (cell_table(fast, n, 1000.0), True)}
    table = agreement_table(runs, THRESHOLDS)
    assert len(table) == 6  # 3 pairs x 2 populations
    verdict = {(r.backend_a, r.backend_b, r.population): r.verdict for r in table.itertuples()}
    assert verdict[("nest", "neuron", "exc")] == "agree"
    assert verdict[("nest", "brian2", "exc")] == "differ"
    assert verdict[("neuron", "brian2", "inh")] == "differ"


def test_sustained_on_one_side_only_differs():
    cells = cell_table(spikes_df([("exc", 0, float(t)) for t in range(1, 100)]), {"exc": 1, "inh": 1}, 100.0)
    row = compare_pair(cells[cells.population == "exc"], cells[cells.population == "exc"], True, False, THRESHOLDS)
    assert row["verdict"] == "differ" and "sustained" in row["reason"]


def test_rel_diff():
    assert rel_diff(0.0, 0.0) == 0.0
    assert rel_diff(10.0, 30.0) == pytest.approx(1.0)
