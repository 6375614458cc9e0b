"""Agreement between backends: for each weight set, every pair of backends, per population."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp


def rel_diff(a: float, b: float) -> float:
    """|a - b| / mean(a, b); 0 when both are 0."""
    mean = (a + b) / 2
    return 0.0 if mean == 0 else abs(a - b) / mean


def _ks(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if a.size == 0 or b.size == 0:
        return float("nan"), float("nan")
    res = ks_2samp(a, b)
    return float(res.statistic), float(res.pvalue)


def compare_pair(cells_a: pd.DataFrame, cells_b: pd.DataFrame, sustained_a: bool, sustained_b: bool, thresholds: dict) -> dict:
    """Compare per-cell tables of one population from two backends."""
    rate_a, rate_b = cells_a["rate_hz"].mean(), cells_b["rate_hz"].mean()
    ks_rate, p_rate = _ks(cells_a["rate_hz"], cells_b["rate_hz"])
    ks_cv, p_cv = _ks(cells_a["cv_isi"], cells_b["cv_isi"])
    reasons = []
    rd = rel_diff(rate_a, rate_b)
    if rd > thresholds["max_rate_rel_diff"]:
        reasons.append(f"rate differs by {rd:.0%}")
    if not np.isnan(ks_rate) and ks_rate > thresholds["max_ks_rate"]:
        reasons.append(f"rate KS {ks_rate:.2f}")
    if not np.isnan(ks_cv) and ks_cv > thresholds["max_ks_cv"]:
        reasons.append(f"CV KS {ks_cv:.2f}")
    if cells_a["cv_isi"].notna().any() != cells_b["cv_isi"].notna().any():
        reasons.append("CV missing on one side")
    if sustained_a != sustained_b:
        reasons.append("sustained on one side only")
    return {
        "rate_a_hz": rate_a, "rate_b_hz": rate_b, "rate_rel_diff": rd,
        "ks_rate": ks_rate, "ks_rate_p": p_rate, "ks_cv": ks_cv, "ks_cv_p": p_cv,
        "sustained_a": sustained_a, "sustained_b": sustained_b,
        "verdict": "differ" if reasons else "agree",
        "reason": "; ".join(reasons),
    }


def agreement_table(runs: dict, thresholds: dict) -> pd.DataFrame:
    """``runs`` maps (backend, g_exc_nS, g_inh_nS) to (cell table, sustained flag[, note]); a
    non-empty note (e.g. a virtual SpiNNaker run) makes the verdict ``not compared``."""
    rows = []
    weight_sets = sorted({(k[1], k[2]) for k in runs})
    for g_exc, g_inh in weight_sets:
        backends = [k[0] for k in runs if (k[1], k[2]) == (g_exc, g_inh)]
        for a, b in itertools.combinations(backends, 2):
            cells_a, sus_a, *note_a = runs[(a, g_exc, g_inh)]
            cells_b, sus_b, *note_b = runs[(b, g_exc, g_inh)]
            notes = [n for n in (note_a + note_b) if n]
            for pop in ("exc", "inh"):
                row = {"g_exc_nS": g_exc, "g_inh_nS": g_inh, "backend_a": a, "backend_b": b, "population": pop}
                row.update(compare_pair(cells_a[cells_a["population"] == pop], cells_b[cells_b["population"] == pop], sus_a, sus_b, thresholds))
                if notes:  # nothing to compare: say why instead of a verdict
                    row["verdict"], row["reason"] = "not compared", "; ".join(dict.fromkeys(notes))
                rows.append(row)
    columns = ["g_exc_nS", "g_inh_nS", "backend_a", "backend_b", "population", "rate_a_hz", "rate_b_hz", "rate_rel_diff",
               "ks_rate", "ks_rate_p", "ks_cv", "ks_cv_p", "sustained_a", "sustained_b", "verdict", "reason"]
    return pd.DataFrame(rows, columns=columns)
