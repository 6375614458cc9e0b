import numpy as np
import pytest

from vabench.spectra import fit_fooof, run_spectra, welch_psd

CFG = {"bin_ms": 1.0, "segment_ms": 1000.0, "freq_range_hz": [3.0, 100.0], "max_n_peaks": 4}


def brown_plus_oscillation(seed=0, seconds=60.0, fs=1000.0, f_osc=40.0, amp=0.0):
    rng = np.random.default_rng(seed)
    n = int(seconds * fs)
    brown = np.cumsum(rng.normal(size=n))  # 1/f^2 power spectrum (a random walk)
    brown -= np.convolve(brown, np.ones(2001) / 2001, mode="same")  # remove the slow drift only
    t = np.arange(n) / fs
    return brown + amp * np.sin(2 * np.pi * f_osc * t)


def test_welch_fooof_recovers_exponent_and_peak():
    x = brown_plus_oscillation(amp=1.5)
    freqs, power = welch_psd(x, 1000.0, CFG["segment_ms"])
    fit = fit_fooof(freqs, power, CFG["freq_range_hz"])
    assert fit["exponent"] == pytest.approx(2.0, abs=0.1), fit
    assert fit["peaks"], fit
    strongest = max(fit["peaks"], key=lambda p: p["power"])
    assert strongest["freq_hz"] == pytest.approx(40.0, abs=1.0), fit
    assert fit["r_squared"] > 0.95


def test_no_peak_in_pure_background():
    freqs, power = welch_psd(brown_plus_oscillation(seed=1), 1000.0, CFG["segment_ms"])
    fit = fit_fooof(freqs, power, CFG["freq_range_hz"])
    assert fit["exponent"] == pytest.approx(2.0, abs=0.1)
    assert all(p["power"] < 0.3 for p in fit["peaks"]), fit["peaks"]


def test_silent_run_gives_a_note_not_an_error():
    silent = {"exc_rate": np.zeros(900), "inh_rate": np.zeros(900), "lfp_proxy": np.full(900, np.nan)}
    psd, fits = run_spectra(silent, CFG)
    assert len(psd) == 0
    assert list(fits["note"]) == ["constant signal", "constant signal", "no signal"]


def test_exponent_cache_keeps_weight_sets_apart(tmp_path):
    """The verdict's exponent fit is cached per backend, weight set, population and seeds: two
    weight sets with exponents 0.8 and 2.0 give their own fits (a cache without the weights gave
    the first set's exponent to both)."""
    import pandas as pd

    from vabench.analysis import mean_psd_exponent

    freqs = np.arange(1.0, 200.0)
    rows = []
    for g_exc, exponent in ((4.0, 0.8), (8.0, 2.0)):
        for signal in ("exc_rate", "inh_rate"):
            rows.append(
                pd.DataFrame(
                    {
                        "backend": "nest",
                        "g_exc_nS": g_exc,
                        "g_inh_nS": 51.0,
                        "network_seed": 1,
                        "replicate": 0,
                        "signal": signal,
                        "frequency_hz": freqs,
                        "power": freqs**-exponent,
                    }
                )
            )
    path = tmp_path / "psd.tsv"
    pd.concat(rows).to_csv(path, sep="\t", index=False)
    at = mean_psd_exponent([path], CFG)
    assert at(4.0, 51.0)("nest", [1], "exc") == pytest.approx(0.8, abs=0.05)
    assert at(8.0, 51.0)("nest", [1], "exc") == pytest.approx(2.0, abs=0.05)
