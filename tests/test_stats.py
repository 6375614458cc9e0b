import numpy as np
import pandas as pd
import pytest
from scipy.stats import variation

from vabench.spiketrains import cell_table, cv_isi, isi_stats, isi_stats_of_cells, pairwise_correlations
from vabench.stats import closing_rate, firing_rates, population_rate, run_summary, spike_count_chi2, survival_time

ANALYSIS = {"t_start_ms": 0.0, "survival_bin_ms": 20.0, "sustained_min_rate_hz": 1.0, "min_spikes_cv": 3}


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
    later = cell_table(
        spikes_df([("exc", 0, 1.0), ("exc", 0, 600.0), ("inh", 1, 3.0)]), {"exc": 2, "inh": 2}, 1000.0, t_start_ms=500.0
    )
    assert list(later["rate_hz"]) == [2.0, 0.0, 0.0, 0.0]  # one spike in 0.5 s; the kick's spikes are left out


def test_population_rate_and_closing_window():
    sp = spikes_df([("exc", c, t) for c in range(10) for t in (5.0, 950.0)])
    centres, rate = population_rate(sp, "exc", n_cells=10, t_stop_ms=1000.0, bin_ms=10.0)
    assert len(centres) == 100 and rate[0] == pytest.approx(100.0) and rate.sum() == pytest.approx(200.0)
    assert closing_rate(sp, 10, 1000.0, 100.0) == pytest.approx(10.0)


def test_survival_time_and_sustained():
    rng = np.random.default_rng(1)
    alive = spikes_df(poisson_spikes(rng, 50, 10.0, 500.0, "exc"))
    assert survival_time(alive, 50, 500.0) == 500.0
    # the audit's case: died at 424-468 ms of 500 used to count as sustained (100 ms closing window)
    for death in (424.0, 450.0, 468.0):
        dead = alive[alive["time_ms"] < death]
        t = survival_time(dead, 50, 500.0)
        assert death - 20.0 <= t <= death + 20.0 and t < 500.0, (death, t)
        cells = cell_table(dead, {"exc": 50, "inh": 0}, 500.0)
        assert not run_summary(dead, cells, 500.0, ANALYSIS)["sustained"].any()
    assert survival_time(alive.iloc[:0], 50, 500.0) == 0.0
    cells = cell_table(alive, {"exc": 50, "inh": 0}, 500.0)
    assert run_summary(alive, cells, 500.0, ANALYSIS)["sustained"].all()


def test_sustained_agrees_with_the_closing_window_where_both_apply():
    """New definition against the old one (mean rate in the last 100 ms >= 1 Hz) on runs that
    are clearly alive or clearly dead: the two must agree there."""
    rng = np.random.default_rng(3)
    for rate, death in ((10.0, None), (10.0, 300.0), (5.0, None), (20.0, 100.0)):
        sp = spikes_df(poisson_spikes(rng, 100, rate, 1000.0, "exc"))
        if death:
            sp = sp[sp["time_ms"] < death]
        old = closing_rate(sp, 100, 1000.0, 100.0) >= 1.0
        assert (survival_time(sp, 100, 1000.0) >= 1000.0) == old


def test_cv_and_lv_from_elephant_match_the_definitions():
    rng = np.random.default_rng(4)
    t = np.cumsum(rng.exponential(20.0, size=400))
    cv, lv = isi_stats(t)
    isi = np.diff(t)
    assert cv == pytest.approx(variation(isi))  # the old definition: scipy's variation, ddof 0
    assert lv == pytest.approx(3 * np.mean(((isi[:-1] - isi[1:]) / (isi[:-1] + isi[1:])) ** 2))
    assert lv == pytest.approx(1.0, abs=0.15)  # Poisson
    assert isi_stats(np.arange(0, 1000, 10.0)) == pytest.approx((0.0, 0.0), abs=1e-12)


def test_cv_and_lv_of_all_cells_at_once_equal_elephant_cell_by_cell_bit_for_bit():
    rng = np.random.default_rng(11)
    n = 300
    counts = rng.integers(0, 40, size=n)  # many cells share a spike count, some have 0-2 spikes
    cells = np.repeat(np.arange(n), counts)
    times = np.round(rng.uniform(0, 1000, size=cells.size), 1)  # on a 0.1 ms grid, as recorded
    shuffle = rng.permutation(cells.size)  # in no order, as a recording may be
    cvs, lvs = isi_stats_of_cells(times[shuffle], cells[shuffle], n + 5, min_spikes=4)
    for c in range(n + 5):
        t = times[cells == c]
        expect = isi_stats(t, 4) if t.size >= 4 else (np.nan, np.nan)
        assert np.array_equal([cvs[c], lvs[c]], expect, equal_nan=True), c  # exactly, not approximately


def test_cv_needs_min_spikes_in_the_window():
    sp = spikes_df(
        [("exc", 0, float(t)) for t in range(5, 100, 10)] + [("exc", 1, float(t)) for t in range(300, 500, 10)]
    )
    cells = cell_table(sp, {"exc": 2, "inh": 0}, 500.0, min_spikes_cv=10, t_start_ms=200.0)
    assert np.isnan(cells.loc[0, "cv_isi"]) and cells.loc[0, "n_spikes"] == 0  # its spikes are all before 200 ms
    assert cells.loc[1, "cv_isi"] == pytest.approx(0.0, abs=1e-9) and cells.loc[1, "n_spikes"] == 20
    assert cell_table(sp, {"exc": 2, "inh": 0}, 500.0, min_spikes_cv=10, t_start_ms=400.0).loc[1, "cv_isi"] == 0.0
    assert cell_table(sp, {"exc": 2, "inh": 0}, 500.0, min_spikes_cv=10, t_start_ms=410.0)["cv_isi"].isna().all()


def test_spike_count_chi2_alive_window():
    rng = np.random.default_rng(5)
    n = {"exc": 80, "inh": 20}
    sp = spikes_df(poisson_spikes(rng, 80, 10.0, 1000.0, "exc") + poisson_spikes(rng, 20, 10.0, 1000.0, "inh"))
    full = spike_count_chi2(sp, n, 200.0, 1000.0)
    assert 0 < full < 0.05  # independent cells: about 1/N
    dead = sp[sp["time_ms"] < 500.0]
    # counting the silence after death inflates it; over the alive window it is the same as a live run's
    assert spike_count_chi2(dead, n, 200.0, 1000.0) > 3 * full
    assert spike_count_chi2(dead, n, 200.0, 500.0) == pytest.approx(spike_count_chi2(sp, n, 200.0, 500.0))
    sync = spikes_df([("exc", c, float(t)) for c in range(80) for t in range(210, 1000, 37)] + [("inh", 0, 300.0)])
    assert spike_count_chi2(sync, n, 200.0, 1000.0) > 0.5


def test_pairwise_correlations():
    rng = np.random.default_rng(6)
    n = {"exc": 160, "inh": 40}
    sp = spikes_df(poisson_spikes(rng, 160, 20.0, 1000.0, "exc") + poisson_spikes(rng, 40, 20.0, 1000.0, "inh"))
    pairs = pairwise_correlations(sp, n, 200.0, 1000.0)
    exc = pairs[pairs["population"] == "exc"]
    assert len(exc) == 100 * 99 // 2  # 100 sampled cells
    assert len(pairs[pairs["population"] == "inh"]) == 40 * 39 // 2
    assert abs(exc["corr"].mean()) < 0.01 and exc["corr"].std() < 0.1  # independent trains
    # a shared drive: every cell copies one train half of the time
    common = np.sort(rng.uniform(200, 1000, 40))
    rows = [("exc", c, float(t)) for c in range(60) for t in common] + poisson_spikes(rng, 60, 10.0, 1000.0, "exc")
    corr = pairwise_correlations(spikes_df(rows), {"exc": 60, "inh": 0}, 200.0, 1000.0)["corr"]
    assert corr.mean() > 0.3
    # the sample is drawn from all cells, the same on every run: a silent cell drops out, no other comes in
    quiet = sp[~((sp["population"] == "exc") & (sp["cell"] == int(exc["cell_a"].iloc[0])))]
    again = pairwise_correlations(quiet, n, 200.0, 1000.0)
    kept = set(zip(again.loc[again.population == "exc", "cell_a"], again.loc[again.population == "exc", "cell_b"]))
    assert kept < set(zip(exc["cell_a"], exc["cell_b"])) and len(kept) == 99 * 98 // 2
