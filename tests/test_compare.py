"""The verdict engine on synthetic ensembles whose truth is known, and the divergence count."""

import numpy as np
import pandas as pd
import pytest

import vabench.compare as compare_module
from vabench.compare import (
    agreement_table,
    divergence_rows,
    interval_verdict,
    mean_difference,
    pair_summary,
    paired_survival,
    seeds_to_settle,
)
from vabench.config import validate_config

COMPARE = {k: v for k, v in validate_config({})["compare"].items() if k != "divergence_windows_ms"}


def ensemble(rng, n_seeds, backends, rate_scale=None, sustained=None, noise_hz=1.0, replicates=0):
    """A summary table: a per-seed network rate shared by every backend plus independent noise
    per run (the chaos), as in the measured ensembles (paired SD of the rate difference 1-2 Hz)."""
    rate_scale = rate_scale or {}
    rows = []
    for seed in range(n_seeds):
        network_rate = rng.normal(14.0, 1.5)
        for rep in range(replicates + 1):
            for b in backends:
                alive = True if sustained is None else bool(sustained[b][seed])
                for pop in ("exc", "inh"):
                    rate = (network_rate + rng.normal(0, noise_hz)) * rate_scale.get(b, 1.0)
                    rows.append(
                        {
                            "backend": b,
                            "g_exc_nS": 4.0,
                            "g_inh_nS": 51.0,
                            "network_seed": seed,
                            "replicate": rep,
                            "population": pop,
                            "rate_hz": rate,
                            "cv_isi": 1.5 + rng.normal(0, 0.01),
                            "lv": 1.0 + rng.normal(0, 0.01),
                            "corr": 0.002 + rng.normal(0, 0.0005),
                            "survival_ms": 1000.0 if alive else 300.0,
                            "sustained": alive,
                            "t_stop_ms": 1000.0,
                            "note": "",
                        }
                    )
    return pd.DataFrame(rows)


def verdicts(table):
    return {(r.backend_a, r.backend_b, r.population, r.statistic): r.verdict for r in table.itertuples()}


def test_interval_verdict():
    assert interval_verdict(-0.5, 0.5, 1.0) == "equivalent"
    assert interval_verdict(-1.5, 0.5, 1.0) == "inconclusive"
    assert interval_verdict(1.2, 3.0, 1.0) == "different"
    assert interval_verdict(-3.0, -1.1, 1.0) == "different"
    assert interval_verdict(-5.0, 0.9, 1.0, one_sided=True) == "equivalent"
    assert interval_verdict(1.1, 2.0, 1.0, one_sided=True) == "different"
    assert interval_verdict(np.nan, 1.0, 1.0) == "inconclusive"


def test_mean_difference_is_a_t_interval():
    d = np.array([0.1, -0.3, 0.4, 0.2, -0.1])
    mean, lo, hi, sd, p = mean_difference(d, 0.9)
    half = 2.1318 * d.std(ddof=1) / np.sqrt(5)  # t(0.95, 4)
    assert mean == pytest.approx(d.mean()) and (hi - lo) / 2 == pytest.approx(half, rel=1e-3)


def test_seeds_to_settle_shrinks_the_interval_enough():
    n = seeds_to_settle(0.2, 1.4, 1.35, 0.9)
    assert n == np.ceil((1.645 * 1.4 / (1.35 - 0.2)) ** 2)
    assert np.isnan(seeds_to_settle(0.2, 1.4, 0.2, 0.9))


def test_paired_survival_mcnemar():
    a = np.array([1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1] * 2, bool)
    same = paired_survival(a, a, 0.9)
    assert same["estimate"] == 0 and same["p_value"] == 1.0 and same["ci_low"] < 0 < same["ci_high"]
    never = paired_survival(np.ones(20, bool), np.zeros(20, bool), 0.9)
    assert never["estimate"] == -1 and never["p_value"] < 1e-5 and never["ci_high"] < -0.2


def test_same_simulator_noise_is_never_different_and_equivalent_with_enough_seeds():
    rng = np.random.default_rng(0)
    table = agreement_table(ensemble(rng, 60, ["nest", "neuron"]), ["nest", "neuron"], COMPARE)
    v = verdicts(table)
    assert "different" not in v.values()
    assert v[("nest", "neuron", "exc", "rate")] == "equivalent"
    assert v[("nest", "neuron", "all", "survival")] == "equivalent"


def test_few_seeds_are_inconclusive_and_say_how_many_would_do():
    rng = np.random.default_rng(1)
    table = agreement_table(ensemble(rng, 4, ["nest", "neuron"], noise_hz=2.0), ["nest", "neuron"], COMPARE)
    rate = table[(table.statistic == "rate") & (table.population == "exc")].iloc[0]
    assert rate.verdict == "inconclusive" and rate.seeds_needed > 4
    surv = table[table.statistic == "survival"].iloc[0]
    assert surv.verdict == "inconclusive"  # 4 seeds cannot show equal survival within 0.2


def test_rates_scaled_by_1_3_are_different():
    """The old KS threshold never fired on this (D = 0.11); the paired test must."""
    rng = np.random.default_rng(2)
    table = agreement_table(
        ensemble(rng, 10, ["nest", "brian2"], rate_scale={"brian2": 1.3}), ["nest", "brian2"], COMPARE
    )
    v = verdicts(table)
    assert v[("nest", "brian2", "exc", "rate")] == "different"
    assert v[("nest", "brian2", "inh", "rate")] == "different"
    summary = pair_summary(table, ensemble(rng, 10, ["nest", "brian2"]))
    assert summary.iloc[0]["verdict"] == "different" and "rate(exc)" in summary.iloc[0]["different_on"]


def test_death_on_one_side_is_different_only_when_systematic():
    rng = np.random.default_rng(3)
    n = 30
    chance = {"nest": rng.random(n) < 0.75, "neuron": rng.random(n) < 0.75}
    t = agreement_table(ensemble(rng, n, ["nest", "neuron"], sustained=chance), ["nest", "neuron"], COMPARE)
    assert verdicts(t)[("nest", "neuron", "all", "survival")] != "different"
    always = {"nest": np.ones(n, bool), "neuron": np.zeros(n, bool)}
    t = agreement_table(ensemble(rng, n, ["nest", "neuron"], sustained=always), ["nest", "neuron"], COMPARE)
    assert verdicts(t)[("nest", "neuron", "all", "survival")] == "different"


def test_distributions_against_the_replicate_baseline():
    """b is as far from a as a one-spike replicate is: equivalent; twice as far: different."""
    rng = np.random.default_rng(4)
    summary = ensemble(rng, 12, ["nest", "neuron", "brian2"], replicates=1)
    base = {s: rng.gamma(2.0, 7.0, 400) for s in range(12)}

    def values(backend, seed, rep, kind, pop, col):
        x = base[seed] * (1 + 0.05 * rng.standard_normal(400))  # chaos: every run a little different
        return x * (1.3 if backend == "brian2" and rep == 0 else 1.0)

    v = verdicts(agreement_table(summary, ["nest", "neuron", "brian2"], COMPARE, values))
    assert v[("nest", "neuron", "exc", "rate_dist")] == "equivalent"
    assert v[("nest", "brian2", "exc", "rate_dist")] == "different"


def test_no_replicates_makes_distributions_inconclusive_with_a_reason():
    rng = np.random.default_rng(5)
    summary = ensemble(rng, 5, ["nest", "neuron"])
    table = agreement_table(summary, ["nest", "neuron"], COMPARE, lambda *a: np.ones(10))
    dist = table[table.statistic == "rate_dist"]
    assert (dist.verdict == "inconclusive").all() and dist.reason.str.contains("replicates").all()


def test_virtual_runs_are_not_compared():
    rng = np.random.default_rng(6)
    summary = ensemble(rng, 3, ["nest", "spinnaker"])
    summary.loc[summary.backend == "spinnaker", "note"] = "virtual run: no spikes"
    table = agreement_table(summary, ["nest", "spinnaker"], COMPARE)
    assert list(table.verdict) == ["not compared"] and "virtual" in table.reason.iloc[0]


def spikes(rows):
    df = pd.DataFrame(rows, columns=["population", "cell", "time_ms"])
    df["population"] = pd.Categorical(df["population"], categories=["exc", "inh"])
    return df


def test_divergence_matches_within_one_step_and_cell():
    a = spikes([("exc", 0, 1.0), ("exc", 1, 2.0), ("inh", 0, 5.0), ("exc", 0, 15.0), ("exc", 2, 25.0)])
    b = spikes([("exc", 0, 1.1), ("exc", 1, 2.3), ("exc", 0, 5.0), ("exc", 0, 15.0), ("inh", 2, 25.0)])
    rows = divergence_rows(a, b, 0.1, [0, 10, 20, 30])
    # 0-10 ms: exc0@1.0 ~ 1.1 matched (2 of 6: exc1 is 0.3 apart, inh0 vs exc0 are other cells)
    assert [r["matched_fraction"] for r in rows] == pytest.approx([2 / 6, 1.0, 0.0])
    assert [(r["n_a"], r["n_b"]) for r in rows] == [(3, 3), (1, 1), (1, 1)]


def test_spectral_exponent_by_paired_bootstrap_of_the_mean_psd():
    """The exponent of the seed-averaged spectrum: a per-seed offset shared by both backends
    (the network) cancels in the paired bootstrap; a shift of 0.5 is different, none equivalent."""
    rng = np.random.default_rng(7)
    network = {s: rng.normal(0.8, 0.3) for s in range(12)}

    def exponent_of(shift):
        def fit(backend, seeds, population):
            return (
                float(np.mean([network[s] for s in seeds])) + (shift if backend == "b" else 0.0) + rng.normal(0, 0.02)
            )

        return fit

    same = compare_module.bootstrap_exponent(exponent_of(0.0), "a", "b", list(range(12)), "exc", 0.9)
    assert same[3] > -0.3 and same[4] < 0.3  # inside the default margin: equivalent
    shifted = compare_module.bootstrap_exponent(exponent_of(0.5), "a", "b", list(range(12)), "exc", 0.9)
    assert shifted[2] == pytest.approx(0.5, abs=0.05) and shifted[3] > 0.3  # wholly outside: different
