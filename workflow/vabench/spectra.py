"""Power spectra of one run (Welch) and their parameterisation (FOOOF), of the signals of
:mod:`vabench.signals` (population rates and the LFP proxy, after the thalamic kick).

FOOOF (``fooof`` 1.1, which the seed notebook imports; its successor ``specparam`` exists on
PyPI only as a 2.0 pre-release) fits an aperiodic offset and exponent plus Gaussian peaks.
Welch segments are at least 512 ms (about 2 Hz resolution; 256 ms gave 3.9 Hz and 24 bins
in 4-100 Hz, and equivalent runs fitted exponents 0.65 and 1.26). Peaks may be no narrower
than twice the resolution. Runs that did not sustain get a PSD but no fit. One run's PSD is
noisy: :func:`ensemble_spectra` averages the PSDs of the surviving runs of each backend and
fits that. FOOOF's own warnings go to the log.
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
import warnings

import numpy as np
import pandas as pd
from scipy.signal import welch

from vabench.signals import SIGNALS

log = logging.getLogger(__name__)


class _NoPlotting:
    """An import hook that refuses matplotlib (see :func:`fooof_class`)."""

    def find_spec(self, name, path=None, target=None):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError("vabench: no plotting in a spectra job")
        return None


def fooof_class():
    """``fooof.FOOOF``, imported without matplotlib where the process has not imported it:
    fooof 1.1 imports its plotting module at import (about 1 s for matplotlib) and skips it
    when the import fails (its ``safe_import``); fitting needs no plotting."""
    if "fooof" not in sys.modules and "matplotlib" not in sys.modules:
        hook = _NoPlotting()
        sys.meta_path.insert(0, hook)
        try:
            import fooof  # noqa: F401
        finally:
            sys.meta_path.remove(hook)
    from fooof import FOOOF

    return FOOOF


def welch_psd(x: np.ndarray, fs_hz: float, segment_ms: float) -> tuple[np.ndarray, np.ndarray]:
    """Welch PSD with Hann windows of ``segment_ms``, half overlap, mean removed."""
    nperseg = min(len(x), max(8, int(round(segment_ms * 1e-3 * fs_hz))))
    return welch(x, fs=fs_hz, nperseg=nperseg, noverlap=nperseg // 2, detrend="constant")


def fit_fooof(
    freqs: np.ndarray, power: np.ndarray, freq_range_hz, max_n_peaks: int = 4, peak_width_limits=None
) -> dict:
    """Aperiodic offset and exponent, peaks, error and r² of a FOOOF fit (NaN if it cannot fit).

    The peak width floor defaults to twice the frequency resolution (and at least 2 Hz).
    """
    nan = {"offset": np.nan, "exponent": np.nan, "error": np.nan, "r_squared": np.nan, "peaks": []}
    freqs, power = np.asarray(freqs, float), np.asarray(power, float)
    step = np.diff(freqs)
    if len(freqs) > 2 and np.allclose(step, np.median(step), rtol=1e-2):
        freqs = freqs[0] + np.arange(len(freqs)) * np.median(step)  # undo the rounding of a table read back
    sel = (freqs >= freq_range_hz[0]) & (freqs <= freq_range_hz[1])
    if sel.sum() < 5 or not np.all(np.isfinite(power[sel])) or np.any(power[sel] <= 0):
        return nan
    if peak_width_limits is None:
        resolution = float(freqs[1] - freqs[0]) if len(freqs) > 1 else 1.0
        floor = max(2.0, 2.0 * resolution)
        peak_width_limits = (floor, max(20.0, 2.0 * floor))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        FOOOF = fooof_class()
        fm = FOOOF(
            peak_width_limits=list(peak_width_limits), max_n_peaks=max_n_peaks, aperiodic_mode="fixed", verbose=True
        )
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):  # fooof prints its warnings (e.g. on resolution)
                fm.fit(freqs, power, list(freq_range_hz))
        except Exception as err:  # fooof raises its own FitError and numpy errors
            log.warning("FOOOF fit failed: %s", err)
            return nan
        finally:
            for line in " ".join(printed.getvalue().split()).split("FOOOF WARNING:"):
                if line.strip():
                    log.warning("FOOOF: %s", line.strip())
    for w in caught:
        if "fooof" in str(w.message).lower() and "deprecat" in str(w.message).lower():
            continue  # the package's notice that it is now called specparam
        log.warning("FOOOF: %s", w.message)
    if not fm.has_model:
        return nan
    offset, exponent = fm.aperiodic_params_
    peaks = [
        {"freq_hz": float(c), "power": float(p), "bandwidth_hz": float(w)}
        for c, p, w in np.atleast_2d(fm.peak_params_)
        if np.isfinite(c)
    ]
    return {
        "offset": float(offset),
        "exponent": float(exponent),
        "error": float(fm.error_),
        "r_squared": float(fm.r_squared_),
        "peaks": peaks,
    }


def _fit_row(name: str, fit: dict | None, note: str = "") -> dict:
    if fit is None:
        return {
            "signal": name,
            "offset": np.nan,
            "exponent": np.nan,
            "error": np.nan,
            "r_squared": np.nan,
            "n_peaks": 0,
            "peak_freq_hz": np.nan,
            "peak_power": np.nan,
            "peak_bandwidth_hz": np.nan,
            "note": note,
        }
    strongest = max(fit["peaks"], key=lambda p: p["power"]) if fit["peaks"] else None
    peaks = "; ".join(f"peak {p['freq_hz']:.1f} Hz" for p in fit["peaks"])
    return {
        "signal": name,
        "offset": fit["offset"],
        "exponent": fit["exponent"],
        "error": fit["error"],
        "r_squared": fit["r_squared"],
        "n_peaks": len(fit["peaks"]),
        "peak_freq_hz": strongest["freq_hz"] if strongest else np.nan,
        "peak_power": strongest["power"] if strongest else np.nan,
        "peak_bandwidth_hz": strongest["bandwidth_hz"] if strongest else np.nan,
        "note": "; ".join(n for n in (note, peaks) if n),
    }


def run_spectra(signals: dict, spectra_cfg: dict, fit: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Welch PSD and FOOOF fit per signal: (psd table, fit table). ``fit`` False (a run that
    did not sustain) keeps the PSD and leaves the fit empty, with a note."""
    fs = 1000.0 / spectra_cfg["bin_ms"]
    psd_rows, fit_rows = [], []
    for name in SIGNALS:
        x = signals[name]
        if len(x) < 8 or not np.all(np.isfinite(x)) or np.allclose(x, x[0] if len(x) else 0):
            fit_rows.append(
                _fit_row(name, None, "no signal" if not len(x) or not np.all(np.isfinite(x)) else "constant signal")
            )
            continue
        freqs, power = welch_psd(x, fs, spectra_cfg["segment_ms"])
        psd_rows.append(pd.DataFrame({"signal": name, "frequency_hz": freqs, "power": power}))
        short = "signal shorter than one segment" if len(x) < spectra_cfg["segment_ms"] * fs * 1e-3 else ""
        if not fit:
            fit_rows.append(_fit_row(name, None, "not fitted: activity did not sustain"))
            continue
        fit_rows.append(
            _fit_row(name, fit_fooof(freqs, power, spectra_cfg["freq_range_hz"], spectra_cfg["max_n_peaks"]), short)
        )
    psd = (
        pd.concat(psd_rows, ignore_index=True)
        if psd_rows
        else pd.DataFrame(columns=["signal", "frequency_hz", "power"])
    )
    return psd, pd.DataFrame(fit_rows)


def ensemble_spectra(psd: pd.DataFrame, summary: pd.DataFrame, spectra_cfg: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mean PSD over the surviving runs (replicate 0) of each backend and weight set, and its fit.

    ``psd``: per-run PSD tables concatenated (with backend, g_exc_nS, g_inh_nS, network_seed,
    replicate); ``summary``: the study summary (``sustained`` per run). Returns (mean PSD with
    ``n_runs``, fit table with ``n_runs``).
    """
    keys = ["backend", "g_exc_nS", "g_inh_nS", "network_seed", "replicate"]
    psd = psd.astype({"frequency_hz": float, "power": float})  # an empty run's table reads back as text
    alive = summary.loc[
        (summary["population"] == "exc") & summary["sustained"].astype(bool) & (summary["replicate"] == 0), keys
    ]
    psd = psd.merge(alive, on=keys, how="inner")
    if psd.empty:
        return (
            pd.DataFrame(columns=["backend", "g_exc_nS", "g_inh_nS", "signal", "frequency_hz", "power", "n_runs"]),
            pd.DataFrame(columns=["backend", "g_exc_nS", "g_inh_nS", "n_runs"] + list(_fit_row("", None))),
        )
    group = ["backend", "g_exc_nS", "g_inh_nS", "signal"]
    mean = (
        psd.groupby(group + ["frequency_hz"], sort=False)
        .agg(power=("power", "mean"), n_runs=("power", "size"))
        .reset_index()
    )
    fits = []
    for (backend, g_exc, g_inh, signal), m in mean.groupby(group, sort=False):
        m = m.sort_values("frequency_hz")
        row = _fit_row(
            signal,
            fit_fooof(
                m["frequency_hz"].to_numpy(),
                m["power"].to_numpy(),
                spectra_cfg["freq_range_hz"],
                spectra_cfg["max_n_peaks"],
            ),
        )
        fits.append({"backend": backend, "g_exc_nS": g_exc, "g_inh_nS": g_inh, "n_runs": int(m["n_runs"].max()), **row})
    return mean, pd.DataFrame(fits)
