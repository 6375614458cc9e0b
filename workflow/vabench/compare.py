"""The cross-simulator verdict, judged over an ensemble of networks paired by seed.

The network is chaotic: two simulators of one stored network agree spike for spike for
about 10 ms and are no closer than a one-spike perturbation after about 50 ms, so a single
run says nothing. For every pair of backends, weight set, population and statistic the
verdict is one of

- ``equivalent``: the confidence interval of the seed-paired difference lies inside the
  equivalence margin (two one-sided tests at (1 - ci_level) / 2 each), on at least
  ``compare.min_seeds`` paired seeds (the only verdict that seed count gates);
- ``different``: from 3 paired seeds on, the pair's family-wise interval lies wholly outside the
  margin: the interval at level 1 - (1 - ci_level) / R, R the number of statistics of the pair
  (Bonferroni), so that a pair is falsely called different on any of its R statistics with
  probability at most 1 - ci_level, whatever the number of seeds. The printed interval stays the
  ci_level one; the reason gives the family-wise one where they disagree;
- ``inconclusive``: neither; ``seeds_needed`` then says how many paired seeds would settle it
  with about 80 % power if the estimate and spread hold (0 for a settled row, empty where the
  spread is undefined).

Statistics:

- means (rate, CV, LV, pairwise correlation): per seed, b minus a, over the seeds where both
  sustained; t interval (scipy's ``ttest_1samp``);
- the spectral exponent: the aperiodic (FOOOF) exponent of each backend's population-rate
  PSD averaged over the seeds where both sustained, b minus a, with a t interval from the
  paired leave-one-seed-out jackknife (one run's PSD has 2 Welch segments: its own fit
  scatters by about 0.4, so the spectra are averaged before the fit);
- survival: the paired difference in the fraction of networks that sustain (Agresti-Min
  interval), with McNemar's exact test and a log-rank test of the survival times;
- distributions (per-cell rates, CVs, pairwise correlations): the Wasserstein distance
  between a and b on a seed, minus the distance between each backend and its own one-spike
  replicate of that seed. A backend counts as equivalent when the other is no further from
  it than a one-spike perturbation is (one-sided, margin a fraction of the self distance).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
from scipy import stats

VERDICTS = ("equivalent", "inconclusive", "different")
MEANS = {  # statistic: (summary column, margin key, margin relative to the mean of both backends)
    "rate": ("rate_hz", "rate_margin_rel", True),
    "cv": ("cv_isi", "cv_margin", False),
    "lv": ("lv", "lv_margin", False),
    "corr": ("corr", "corr_margin", False),
}
MIN_SEEDS_DIFFERENT = 3  # a t interval from 2 seeds (1 degree of freedom) rests on one spread estimate
POWER = 0.8  # of seeds_needed
DISTRIBUTIONS = {"rate_dist": ("cells", "rate_hz"), "cv_dist": ("cells", "cv_isi"), "corr_dist": ("pairs", "corr")}
# the paired means that come from a floor-selected set of cells (CV, LV: enough spikes; corr: 2 spikes),
# recomputed on the cells that pass it on both sides when per-cell values are given
MATCHED_MEANS = {
    "cv": ("cells", "cv_isi", np.median),
    "lv": ("cells", "lv", np.median),
    "corr": ("pairs", "corr", np.mean),
}


def matched(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Two runs' values on the same cells (or cell pairs): those with a finite value in both.
    Series are matched on their index (the cell); plain arrays are taken as they are."""
    if isinstance(x, pd.Series) and isinstance(y, pd.Series):
        common = x.dropna().index.intersection(y.dropna().index)
        return x.loc[common].to_numpy(float), y.loc[common].to_numpy(float)
    return np.asarray(x, float), np.asarray(y, float)


COLUMNS = [
    "g_exc_nS",
    "g_inh_nS",
    "backend_a",
    "backend_b",
    "population",
    "statistic",
    "n_seeds",
    "a_mean",
    "b_mean",
    "estimate",
    "ci_low",
    "ci_high",
    "margin",
    "p_value",
    "verdict",
    "seeds_needed",
    "reason",
]


def interval_verdict(lo: float, hi: float, margin: float, one_sided: bool = False) -> str:
    """equivalent / different / inconclusive of an interval against +-margin (or below margin, one-sided)."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "inconclusive"
    if one_sided:
        return "equivalent" if hi < margin else "different" if lo > margin else "inconclusive"
    if -margin < lo and hi < margin:
        return "equivalent"
    if hi < -margin or lo > margin:
        return "different"
    return "inconclusive"


def seeds_to_settle(
    estimate: float, sd: float, margin: float, alpha: float, one_sided: bool = False, n_min: int = 2
) -> float:
    """Paired seeds for a ``POWER`` chance that the interval clears the margin, if the estimate and
    the SD of one seed's difference hold: the smallest n >= n_min with
    sqrt(n) * gap / sd >= t(1 - alpha, n - 1) + t(POWER, n - 1), gap the distance of the estimate
    from the margin and ``alpha`` the one-sided level of the test that would settle it (the
    usual paired-t / TOST sample size, Chow et al. 2008, ch. 3). NaN where it is undefined
    (no spread, estimate on the margin)."""
    gap = (margin - estimate) if one_sided else abs(margin - abs(estimate))
    if not (np.isfinite(sd) and np.isfinite(gap)) or gap <= 0 or sd < 0:
        return float("nan")
    if sd == 0:
        return float(n_min)
    # written here: scipy has no power solver. t >= z, so the normal-quantile n is a lower bound;
    # search up from it, 64 candidates at a time
    z = stats.norm.ppf(1 - alpha) + stats.norm.ppf(POWER)
    start = max(n_min, 2, int((z * sd / gap) ** 2))
    while start < 1_000_000:
        n = np.arange(start, start + 64)
        ok = np.sqrt(n) * gap / sd >= stats.t.ppf(1 - alpha, n - 1) + stats.t.ppf(POWER, n - 1)
        if ok.any():
            return float(n[np.argmax(ok)])
        start += 64
    return float("nan")


def mean_difference(d: np.ndarray, ci_level: float) -> tuple[float, float, float, float, float]:
    """(mean, ci_low, ci_high, sd, p) of paired differences ``d`` (t interval)."""
    d = np.asarray(d, float)
    if d.size < 2:
        return (float(d.mean()) if d.size else float("nan"), float("nan"), float("nan"), float("nan"), float("nan"))
    sd = float(d.std(ddof=1))
    if sd == 0:
        return float(d.mean()), float(d.mean()), float(d.mean()), 0.0, float("nan")
    res = stats.ttest_1samp(d, 0.0)
    ci = res.confidence_interval(ci_level)
    return float(d.mean()), float(ci.low), float(ci.high), sd, float(res.pvalue)


def t_interval(d) -> callable:
    """level -> (low, high): the t interval of paired differences ``d`` at any level."""
    return lambda level: mean_difference(d, level)[1:3]


def paired_survival(sus_a: np.ndarray, sus_b: np.ndarray, ci_level: float) -> dict:
    """Difference b - a in the fraction that sustains, paired by seed.

    Interval: Agresti & Min (2005), a Wald interval after adding 1/2 to each cell of the
    paired 2x2 table (written here: scipy has no paired-proportion interval; it keeps a
    sensible width when every seed agrees). McNemar's exact test is a binomial test of the
    discordant seeds.
    """
    a, b = np.asarray(sus_a, bool), np.asarray(sus_b, bool)
    n = a.size
    n10, n01 = int(np.sum(a & ~b)), int(np.sum(~a & b))
    z = stats.norm.ppf(0.5 + ci_level / 2)
    p10, p01 = (n10 + 0.5) / (n + 2), (n01 + 0.5) / (n + 2)
    centre = p01 - p10
    half = z * math.sqrt(max((p10 + p01) - centre**2, 0.0) / (n + 2))
    p = float(stats.binomtest(n10, n10 + n01).pvalue) if n10 + n01 else 1.0
    estimate = (n01 - n10) / n if n else float("nan")
    discord = max((n10 + n01) / n, 1.0 / n) if n else float("nan")
    return {
        "estimate": estimate,
        "ci_low": centre - half,
        "ci_high": centre + half,
        "p_value": p,
        "sd": math.sqrt(max(discord - estimate**2, 1e-12)),
        "n10": n10,
        "n01": n01,
    }


def logrank_p(time_a, censored_a, time_b, censored_b) -> float:
    """Log-rank test of two sets of survival times (censored: still alive at t_stop)."""
    try:
        with np.errstate(all="ignore"):  # no deaths on either side: the statistic is 0/0
            res = stats.logrank(
                stats.CensoredData(
                    uncensored=np.asarray(time_a)[~np.asarray(censored_a, bool)],
                    right=np.asarray(time_a)[np.asarray(censored_a, bool)],
                ),
                stats.CensoredData(
                    uncensored=np.asarray(time_b)[~np.asarray(censored_b, bool)],
                    right=np.asarray(time_b)[np.asarray(censored_b, bool)],
                ),
            )
        return float(res.pvalue)
    except (ValueError, ZeroDivisionError, FloatingPointError):
        return float("nan")


def wasserstein(x, y) -> float:
    x, y = np.asarray(x, float), np.asarray(y, float)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if x.size == 0 or y.size == 0:
        return float("nan")
    return float(stats.wasserstein_distance(x, y))


def _row(
    verdict_of: dict,
    statistic: str,
    population: str,
    n: int,
    a_mean: float,
    b_mean: float,
    est: float,
    lo: float,
    hi: float,
    margin: float,
    p: float,
    sd: float,
    interval=None,
    one_sided: bool = False,
    reason: str = "",
    detail: str = "",
) -> dict:
    """One row, its verdict still open: :func:`_decide` sets it once the pair's rows are known.
    ``interval``: level -> (low, high), for the family-wise interval; ``reason``: why the data
    cannot settle the row (too few seeds, no replicates), if so; ``detail``: said whatever the
    verdict."""
    return dict(
        verdict_of,
        statistic=statistic,
        population=population,
        n_seeds=n,
        a_mean=a_mean,
        b_mean=b_mean,
        estimate=est,
        ci_low=lo,
        ci_high=hi,
        margin=margin,
        p_value=p,
        verdict="inconclusive",
        seeds_needed=float("nan"),
        reason=reason,
        _sd=sd,
        _interval=interval,
        _one_sided=one_sided,
        _detail=detail,
    )


def _verdict_and_reason(row, inside, outside, wide, sd, one_sided, family, compare) -> str:
    """Sets the row's verdict and seeds_needed; returns its reason ("" for a settled row)."""
    ci_level, min_seeds = compare["ci_level"], compare.get("min_seeds", 2)
    n, est, margin, lo, hi = row["n_seeds"], row["estimate"], row["margin"], row["ci_low"], row["ci_high"]
    if inside and n >= max(min_seeds, 2):
        row["verdict"], row["seeds_needed"] = "equivalent", 0.0
        return ""
    if outside and n >= MIN_SEEDS_DIFFERENT:
        row["verdict"], row["seeds_needed"] = "different", 0.0
        return ""
    if np.isfinite(est) and (est < margin if one_sided else abs(est) < margin):
        needed = seeds_to_settle(est, sd, margin, (1 - ci_level) / 2, one_sided, max(min_seeds, 2))
    else:
        needed = seeds_to_settle(est, sd, margin, (1 - family) / 2, one_sided, MIN_SEEDS_DIFFERENT)
    row["seeds_needed"] = max(needed, float(n + 1)) if np.isfinite(needed) else float("nan")
    if row["reason"]:
        return row["reason"]
    if inside:
        return f"interval inside the margin, but only {n} paired seeds; compare.min_seeds is {min_seeds}"
    if outside:
        return f"interval outside the margin, but only {n} paired seeds; {MIN_SEEDS_DIFFERENT} call it different"
    if np.isfinite(lo) and interval_verdict(lo, hi, margin, one_sided) == "different":
        return (
            f"the {ci_level:.0%} interval is outside the margin, the pair's family-wise "
            f"{family:.2%} interval [{wide[0]:.4g}, {wide[1]:.4g}] (Bonferroni over the pair's statistics) is not"
        )
    return f"only {n} paired seed(s)" if n < 2 else "interval wider than the margin"


def _decide(rows: list[dict], compare: dict) -> list[dict]:
    """The verdict and ``seeds_needed`` of every row of one pair (see the module docstring)."""
    family = 1 - (1 - compare["ci_level"]) / max(len(rows), 1)
    for row in rows:
        sd, interval, one_sided = row.pop("_sd"), row.pop("_interval"), row.pop("_one_sided")
        detail = row.pop("_detail")
        n, margin = row["n_seeds"], row["margin"]
        inside = interval_verdict(row["ci_low"], row["ci_high"], margin, one_sided) == "equivalent"
        wide = interval(family) if interval is not None and n >= 2 else (float("nan"), float("nan"))
        outside = interval_verdict(*wide, margin, one_sided) == "different"
        row["reason"] = _verdict_and_reason(row, inside, outside, wide, sd, one_sided, family, compare)
        row["reason"] = "; ".join(x for x in (row["reason"], detail) if x)
    return rows


def jackknife_exponent(
    exponent_of, a: str, b: str, seeds: list, population: str, ci_level: float
) -> tuple[float, float, float, float, float, float, callable, int]:
    """(exponent of a, of b, b - a, ci_low, ci_high, per-seed SD, level -> interval, leave-one-out
    fits that failed) of the mean-PSD exponent.

    ``exponent_of(backend, seeds, population)`` fits the PSD averaged over ``seeds``. The paired
    seeds are left out one at a time for both backends together; the interval is the estimate
    plus or minus a t quantile (n - 1 degrees of freedom) times the jackknife standard error.
    For a mean this is exactly the t interval of the other statistics; for the exponent of the
    mean PSD it covers 89-90 % at 90 % from 3 to 19 seeds (tests/test_compare.py), where a
    percentile (200 resamples) or BCa (1000) bootstrap covered 76-87 %. A failed fit leaves the
    interval undefined.
    """
    # jackknife by hand: scipy has none outside bootstrap's BCa internals, and it needs n fits, not 1000
    ea, eb = exponent_of(a, seeds, population), exponent_of(b, seeds, population)
    n = len(seeds)
    loo = np.array(
        [
            exponent_of(b, seeds[:i] + seeds[i + 1 :], population)
            - exponent_of(a, seeds[:i] + seeds[i + 1 :], population)
            for i in range(n)
        ],
        float,
    )
    failed = int(np.sum(~np.isfinite(loo)))
    if n < 2 or failed or not np.isfinite(eb - ea):
        return ea, eb, eb - ea, float("nan"), float("nan"), float("nan"), None, failed
    se = float(np.sqrt((n - 1) / n * np.sum((loo - loo.mean()) ** 2)))
    est = eb - ea

    def interval(level):
        half = float(stats.t.ppf((1 + level) / 2, n - 1)) * se
        return est - half, est + half

    lo, hi = interval(ci_level)
    return ea, eb, est, lo, hi, se * math.sqrt(n), interval, failed


def replicates_that_count(summary: pd.DataFrame, backends, seeds) -> tuple[dict, int]:
    """({backend: {seed: [replicate numbers]}}, how many replicates there were) for the baseline
    of the distribution tests: a replicate counts when its activity lasted as long as its
    parent's (a replicate that died is another state, not the one-spike spread of this one)."""
    keys = ["backend", "network_seed", "replicate"]
    exc = summary[summary["population"] == "exc"].drop_duplicates(keys).set_index(keys).sort_index()
    out, total = {}, 0
    for backend in backends:
        out[backend] = {}
        for s in seeds:
            parent = float(exc.loc[(backend, s, 0), "survival_ms"])
            reps = [r for r in exc.loc[(backend, s)].index if r != 0]
            total += len(reps)
            out[backend][s] = [r for r in reps if float(exc.loc[(backend, s, r), "survival_ms"]) >= parent]
    return out, total


def compare_backends(
    summary: pd.DataFrame, a: str, b: str, compare: dict, distributions=None, exponent_of=None
) -> list[dict]:
    """Verdict rows of one pair of backends at one weight set.

    ``summary``: one row per run and population of this weight set, with columns backend,
    network_seed, replicate, population, sustained, survival_ms, t_stop_ms and the MEANS
    columns. ``distributions(backend, seed, replicate, kind, population)`` returns the values
    (per-cell rates, CVs, pair correlations) of one run, or None without distribution tests;
    ``exponent_of`` (see :func:`jackknife_exponent`), or None without the spectral test.
    """
    ci = compare["ci_level"]
    g_exc, g_inh = float(summary["g_exc_nS"].iloc[0]), float(summary["g_inh_nS"].iloc[0])
    base = {"g_exc_nS": g_exc, "g_inh_nS": g_inh, "backend_a": a, "backend_b": b}
    main = summary[summary["replicate"] == 0]
    per = {
        k: main[main["backend"] == k]
        .drop_duplicates(["network_seed", "population"])
        .set_index(["network_seed", "population"])
        for k in (a, b)
    }
    seeds = sorted(set(per[a].index.get_level_values(0)) & set(per[b].index.get_level_values(0)))
    rows = []

    # survival: network level (the same for both populations)
    sa = per[a].xs("exc", level="population").loc[seeds]
    sb = per[b].xs("exc", level="population").loc[seeds]
    sus_a, sus_b = sa["sustained"].to_numpy(bool), sb["sustained"].to_numpy(bool)
    sv = paired_survival(sus_a, sus_b, ci)
    lr = logrank_p(sa["survival_ms"], sa["sustained"], sb["survival_ms"], sb["sustained"])
    reason = (
        f"{int(sa['sustained'].sum())}/{len(seeds)} vs {int(sb['sustained'].sum())}/{len(seeds)} sustained; "
        f"one-sided deaths {sv['n01']} ({a}) vs {sv['n10']} ({b}); log-rank p {lr:.2g}"
    )
    rows.append(
        _row(
            base,
            "survival",
            "all",
            len(seeds),
            float(sa["sustained"].mean()),
            float(sb["sustained"].mean()),
            sv["estimate"],
            sv["ci_low"],
            sv["ci_high"],
            compare["survival_margin"],
            sv["p_value"],
            sv["sd"],
            interval=lambda level: tuple(paired_survival(sus_a, sus_b, level)[k] for k in ("ci_low", "ci_high")),
            reason="" if len(seeds) >= 2 else f"only {len(seeds)} paired seed(s)",
            detail=reason,
        )
    )

    both = [s for s in seeds if bool(sa.loc[s, "sustained"]) and bool(sb.loc[s, "sustained"])]
    alive_replicates, n_replicates = replicates_that_count(summary, (a, b), both)
    n_used = sum(len(r) for k in (a, b) for r in alive_replicates[k].values())
    replicates_note = (
        f"baseline from {n_used} of {n_replicates} replicates (the others died before their parent)"
        if n_used < n_replicates
        else f"baseline from {n_used} replicates"
    )
    for pop in ("exc", "inh"):
        for stat, (col, margin_key, relative) in MEANS.items():
            if col not in per[a].columns or col not in per[b].columns:
                continue
            if distributions is not None and stat in MATCHED_MEANS:
                kind, cell_col, aggregate = MATCHED_MEANS[stat]
                same = [
                    matched(distributions(a, s, 0, kind, pop, cell_col), distributions(b, s, 0, kind, pop, cell_col))
                    for s in both
                ]
                va = np.array([aggregate(x) if x.size else np.nan for x, _ in same], float)
                vb = np.array([aggregate(y) if y.size else np.nan for _, y in same], float)
                n_same = np.mean([x.size for x, _ in same]) if same else 0.0
                what = "cell pairs" if kind == "pairs" else "cells"
                detail = f"{aggregate.__name__} over the same {what} on both sides (those that pass the floor on both: {n_same:.0f} per seed)"
            else:
                detail = ""
                va = np.array([per[a].loc[(s, pop), col] for s in both], float)
                vb = np.array([per[b].loc[(s, pop), col] for s in both], float)
            ok = np.isfinite(va) & np.isfinite(vb)
            va, vb = va[ok], vb[ok]
            est, lo, hi, sd, p = mean_difference(vb - va, ci)
            # relative to both sides, so that the margin does not depend on which backend is listed first
            margin = compare[margin_key] * (
                (float(np.mean(va)) + float(np.mean(vb))) / 2 if relative and va.size else 1.0
            )
            reason = "" if va.size >= 2 else f"only {va.size} seed(s) where both sustained"
            rows.append(
                _row(
                    base,
                    stat,
                    pop,
                    int(va.size),
                    float(np.mean(va)) if va.size else np.nan,
                    float(np.mean(vb)) if vb.size else np.nan,
                    est,
                    lo,
                    hi,
                    margin,
                    p,
                    sd,
                    interval=t_interval(vb - va),
                    reason=reason,
                    detail=detail,
                )
            )
        if exponent_of is not None:
            boot, failed = None, 0
            if len(both) >= 2:
                ea, eb, est, lo, hi, sd, boot, failed = jackknife_exponent(exponent_of, a, b, both, pop, ci)
            else:
                ea = eb = est = lo = hi = sd = float("nan")
            reason = "" if len(both) >= 2 else f"only {len(both)} seed(s) where both sustained"
            rows.append(
                _row(
                    base,
                    "exponent",
                    pop,
                    len(both),
                    ea,
                    eb,
                    est,
                    lo,
                    hi,
                    compare["exponent_margin"],
                    float("nan"),
                    sd,
                    interval=boot,
                    reason=reason or (f"{failed} of {len(both)} leave-one-seed-out fits failed" if failed else ""),
                )
            )
        if distributions is None:
            continue
        for stat, (kind, col) in DISTRIBUTIONS.items():
            cross, self_, excess = [], [], []
            for s in both:
                xa, xb = distributions(a, s, 0, kind, pop, col), distributions(b, s, 0, kind, pop, col)
                selfs = []
                for backend, ref in ((a, xa), (b, xb)):
                    for rep in alive_replicates[backend].get(s, []):
                        xr = distributions(backend, s, rep, kind, pop, col)
                        if xr is not None:
                            selfs.append(wasserstein(*matched(ref, xr)))
                selfs = [d for d in selfs if np.isfinite(d)]
                w = wasserstein(*matched(xa, xb))
                if selfs and np.isfinite(w):
                    cross.append(w)
                    self_.append(float(np.mean(selfs)))
                    excess.append(w - self_[-1])
            est, lo, hi, sd, p = mean_difference(np.array(excess), ci)
            margin = compare["distance_margin_rel"] * float(np.mean(self_)) if self_ else float("nan")
            reason = (
                ""
                if len(excess) >= 2
                else (
                    "no replicates (ensemble.replicates is 0)"
                    if summary["replicate"].max() == 0
                    else f"only {len(excess)} seed(s) where both sustained and a replicate did"
                )
            )
            rows.append(
                _row(
                    base,
                    stat,
                    pop,
                    len(excess),
                    float(np.mean(self_)) if self_ else np.nan,
                    float(np.mean(cross)) if cross else np.nan,
                    est,
                    lo,
                    hi,
                    margin,
                    p,
                    sd,
                    interval=t_interval(np.array(excess)),
                    one_sided=True,
                    reason=reason,
                    detail=replicates_note if n_replicates else "",
                )
            )
    return _decide(rows, compare)


def agreement_table(
    summary: pd.DataFrame, backends: list[str], compare: dict, distributions=None, exponent_of=None
) -> pd.DataFrame:
    """Verdict rows for every weight set and pair of ``backends`` (in the study's order).

    Backends with a note on their runs (a virtual SpiNNaker run has no spikes) get the verdict
    ``not compared`` and the note as the reason.
    """
    rows = []
    for (g_exc, g_inh), runs in summary.groupby(["g_exc_nS", "g_inh_nS"], sort=True):
        present = [k for k in backends if k in set(runs["backend"])]
        if len(present) < 2:  # a study of one engine: the table says so rather than staying empty
            rows.append(
                {
                    "g_exc_nS": g_exc,
                    "g_inh_nS": g_inh,
                    "backend_a": present[0] if present else "none",
                    "backend_b": "none",
                    "population": "all",
                    "statistic": "all",
                    "n_seeds": 0,
                    "verdict": "inconclusive",
                    "reason": f"one engine only ({', '.join(present) or 'no runs'}): no pair of simulators to compare",
                }
            )
        for a, b in itertools.combinations(present, 2):
            notes = (
                runs.loc[runs["backend"].isin([a, b]), "note"].fillna("") if "note" in runs else pd.Series(dtype=str)
            )
            notes = [n for n in dict.fromkeys(notes) if n]
            if notes:
                rows.append(
                    {
                        "g_exc_nS": g_exc,
                        "g_inh_nS": g_inh,
                        "backend_a": a,
                        "backend_b": b,
                        "population": "all",
                        "statistic": "all",
                        "verdict": "not compared",
                        "reason": "; ".join(notes),
                    }
                )
                continue
            rows += compare_backends(runs[runs["backend"].isin([a, b])], a, b, compare, distributions, exponent_of)
    return pd.DataFrame(rows, columns=COLUMNS)


def pair_summary(table: pd.DataFrame, summary: pd.DataFrame, conventions: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (weights, pair), the table a person reads first; ``conventions``
    (:mod:`vabench.convention_table`) names the conventions in which the two engines differ."""
    from vabench.convention_table import differing

    rows = []
    for (g_exc, g_inh, a, b), t in table.groupby(["g_exc_nS", "g_inh_nS", "backend_a", "backend_b"], sort=False):
        counts = t["verdict"].value_counts()
        if "not compared" in counts:
            verdict = "not compared"
        elif counts.get("different", 0):
            verdict = "different"
        elif counts.get("inconclusive", 0):
            verdict = "inconclusive"
        else:
            verdict = "equivalent"
        label = t["statistic"] + "(" + t["population"] + ")"
        surv = t[t["statistic"] == "survival"]
        runs = summary[
            (summary["g_exc_nS"] == g_exc)
            & (summary["g_inh_nS"] == g_inh)
            & (summary["replicate"] == 0)
            & (summary["population"] == "exc")
        ]
        frac = {
            k: f"{int(runs.loc[runs.backend == k, 'sustained'].sum())}/{int((runs.backend == k).sum())}" for k in (a, b)
        }
        rows.append(
            {
                "g_exc_nS": g_exc,
                "g_inh_nS": g_inh,
                "backend_a": a,
                "backend_b": b,
                "verdict": verdict,
                "n_seeds": int(surv["n_seeds"].iloc[0]) if len(surv) else 0,
                "sustained_a": frac[a],
                "sustained_b": frac[b],
                "n_equivalent": int(counts.get("equivalent", 0)),
                "n_inconclusive": int(counts.get("inconclusive", 0)),
                "n_different": int(counts.get("different", 0)),
                "different_on": ", ".join(label[t["verdict"] == "different"]),
                "inconclusive_on": ", ".join(label[t["verdict"] == "inconclusive"]),
                # the most any row needs; empty where a row that is not settled cannot say
                "seeds_needed": float(t["seeds_needed"].max(skipna=False)) if len(t) else float("nan"),
                "conventions_that_differ": "; ".join(differing(conventions, a, b)) if conventions is not None else "",
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- divergence


def matched_counts(
    a: pd.DataFrame, b: pd.DataFrame, tol_ms: float, edges
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per window of ``edges``: spikes of a, of b, and how many of each have a spike of the other
    run in the same cell within +-tol_ms. Written by hand: no library matches spikes cell by cell."""
    edges = np.asarray(edges, float)
    span = float(max(a["time_ms"].max() if len(a) else 0, b["time_ms"].max() if len(b) else 0)) + 10 * tol_ms + 1.0

    def keyed(df):  # (sorted keys cell*span + time, the times in the same order)
        cell = df["cell"].to_numpy(np.int64) * 2 + (df["population"].astype(str).to_numpy() == "inh")
        t = df["time_ms"].to_numpy(float)
        key = cell * span + t
        order = np.argsort(key, kind="stable")
        return key[order], t[order]

    def hits(x, y):  # for each key of x: is some key of y within tol?
        if y.size == 0:
            return np.zeros(x.size, bool)
        i = np.searchsorted(y, x)
        left = np.abs(x - y[np.clip(i - 1, 0, y.size - 1)])
        right = np.abs(y[np.clip(i, 0, y.size - 1)] - x)
        return np.minimum(left, right) <= tol_ms * (1 + 1e-6)

    ka, ta = keyed(a)
    kb, tb = keyed(b)
    ha, hb = hits(ka, kb), hits(kb, ka)
    na = np.histogram(ta, edges)[0]
    nb = np.histogram(tb, edges)[0]
    ma = np.histogram(ta[ha], edges)[0]
    mb = np.histogram(tb[hb], edges)[0]
    return na, nb, ma, mb


def divergence_rows(spikes_a: pd.DataFrame, spikes_b: pd.DataFrame, tol_ms: float, edges) -> list[dict]:
    na, nb, ma, mb = matched_counts(spikes_a, spikes_b, tol_ms, edges)
    rows = []
    for i in range(len(edges) - 1):
        total = na[i] + nb[i]
        rows.append(
            {
                "window_start_ms": float(edges[i]),
                "window_stop_ms": float(edges[i + 1]),
                "n_a": int(na[i]),
                "n_b": int(nb[i]),
                "matched_fraction": (ma[i] + mb[i]) / total if total else float("nan"),
            }
        )
    return rows


def divergence_time(table: pd.DataFrame, level: float = 0.5) -> float:
    """Start of the first window where the mean matched fraction falls below ``level``."""
    mean = table.groupby("window_start_ms")["matched_fraction"].mean().sort_index()
    below = mean[mean < level]
    return float(below.index[0]) if len(below) else float("nan")
