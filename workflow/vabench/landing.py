"""The report's landing page (``results/verdict.rst``): the answer first, in words and in one
small table. Per weight set and pair of engines: the verdict, the statistics that differ with
their estimate and interval, the conventions the two engines differ in, and how many seeds carry
it. The Snakefile makes it the report's front page once it exists."""

from __future__ import annotations

import pandas as pd

from vabench.io import atomic_path
from vabench.models import describe_pair, get_model

# how a statistic's estimate reads (units; the rate is a relative difference in the table)
UNITS = {"rate": " Hz", "survival": "", "exponent": ""}


def _fmt(x) -> str:
    return "n/a" if pd.isna(x) else f"{float(x):+.3g}"


def difference_phrase(row) -> str:
    """``rate (exc) +7.2 Hz [6.6, 7.8]``: one row of agreement.tsv that is not settled equal."""
    where = "" if row["population"] == "all" else f" ({row['population']})"
    unit = UNITS.get(row["statistic"], "")
    return f"{row['statistic']}{where} {_fmt(row['estimate'])}{unit} [{_fmt(row['ci_low'])}, {_fmt(row['ci_high'])}]"


def _cell(text: str) -> str:
    return text.replace("|", "/") if text else "–"


def pair_lines(
    pairs: pd.DataFrame, table: pd.DataFrame, model: str = "coba"
) -> tuple[list[str], list[str], list[list[str]]]:
    """One paragraph per weight set (different pairs named with their statistics and conventions,
    then the equivalent ones, then how many are inconclusive); the table's header and one row per
    pair: the conventions its engines differ in, then its verdict at each weight set."""
    sentences = []
    weights = sorted({(float(ge), float(gi)) for ge, gi in zip(pairs.g_exc_nS, pairs.g_inh_nS)})
    order = list(dict.fromkeys(zip(pairs.backend_a, pairs.backend_b)))
    cells = {pair: ["–"] * len(weights) for pair in order}
    conventions_of = {}
    for (ge, gi), group in pairs.groupby(["g_exc_nS", "g_inh_nS"], sort=True):
        parts = {"different": [], "equivalent": [], "inconclusive": [], "not compared": []}
        needed = []
        for p in group.itertuples():
            t = table[
                (table.g_exc_nS == ge)
                & (table.g_inh_nS == gi)
                & (table.backend_a == p.backend_a)
                & (table.backend_b == p.backend_b)
            ]
            differ = [difference_phrase(r) for _, r in t[t.verdict == "different"].iterrows()]
            conventions = "" if pd.isna(p.conventions_that_differ) else str(p.conventions_that_differ)
            conventions_of[(p.backend_a, p.backend_b)] = conventions
            pair = p.backend_a if p.backend_b == "none" else f"{p.backend_a} vs {p.backend_b}"
            verdict = str(p.verdict)
            if p.backend_b == "none":
                reason = t["reason"].iloc[0] if len(t) else "nothing to compare"
                parts["inconclusive"].append(f"{pair} ({reason})")
            elif verdict == "different":
                because = (
                    f"; the engines differ in {conventions}" if conventions else "; no measured convention differs"
                )
                parts["different"].append(f"{pair} on {', '.join(differ)}{because}")
                verdict = f"**different** on {', '.join(differ)}"
            elif verdict == "not compared":
                parts["not compared"].append(f"{pair} ({'; '.join(dict.fromkeys(t['reason'].fillna('')))})")
            else:
                parts[verdict].append(pair)
                if verdict == "inconclusive" and not pd.isna(p.seeds_needed):
                    needed.append(int(p.seeds_needed))
            cells[(p.backend_a, p.backend_b)][weights.index((float(ge), float(gi)))] = (
                f"{verdict} ({int(p.n_seeds)} seed{'s' * (int(p.n_seeds) != 1)}; sustained {p.sustained_a} / {p.sustained_b})"
            )
        n_seeds = int(group["n_seeds"].max()) if len(group) else 0
        text = [f"**At {describe_pair(ge, gi, model)}** ({n_seeds} paired seed{'s' * (n_seeds != 1)}):"]
        if parts["different"]:
            text.append("*different*: " + "; ".join(parts["different"]) + ".")
        if parts["equivalent"]:
            text.append("*equivalent* on every statistic: " + ", ".join(parts["equivalent"]) + ".")
        if parts["inconclusive"]:
            n = len(parts["inconclusive"])
            names = ", ".join(parts["inconclusive"]) if n <= 3 else f"{n} pairs"
            more = f"; about {max(needed)} seeds would settle every statistic" if needed else ""
            text.append(f"*inconclusive*: {names}{more}.")
        if parts["not compared"]:
            text.append("*not compared*: " + "; ".join(parts["not compared"]) + ".")
        sentences += [" ".join(text), ""]
    unit = get_model(model).weight_unit
    header = ["pair", "conventions that differ"] + [f"at {ge:g} / {gi:g} {unit}" for ge, gi in weights]
    rows = [
        [a if b == "none" else f"{a} vs {b}", _cell(conventions_of.get((a, b), ""))] + cells[(a, b)] for a, b in order
    ]
    return sentences, header, rows


def list_table(header: list[str], rows: list[list[str]], widths: list[int]) -> list[str]:
    lines = [".. list-table::", "   :header-rows: 1", f"   :widths: {' '.join(map(str, widths))}", ""]
    for r in [header, *rows]:
        lines.append(f"   * - {r[0]}")
        lines += [f"     - {c}" for c in r[1:]]
    return lines


def landing_text(agreement: pd.DataFrame, pairs: pd.DataFrame, config: dict) -> str:
    """The page: what was run, the answer, then where the rest is."""
    net, ens, sim = config["network"], config["ensemble"], config["simulation"]
    backends = ", ".join(config["backends"])
    seeds = len(ens["seeds"])
    plural = "s" * (seeds != 1)
    model = get_model(config)
    # the conventions table's engine facts come from COBA's IF cell (config/README.md, Benchmarks 2 and 3)
    convention_note = (
        ""
        if model.name == "coba"
        else " The engines' conventions below (input delay, spike stamp, refractory clamp) are measured on "
        "COBA's integrate-and-fire cell: they name the engines' input and stamp conventions and integration "
        "scheme, not this model's spike detection (config/README.md, Benchmarks 2 and 3)."
        + (
            " On CUBA's IF_curr_exp NEST stamps spikes off the grid (PyNN takes iaf_psc_exp_ps), exact to the "
            "closed form; the other engines stamp them on the grid (README, CUBA)."
            if model.current_based
            else ""
        )
    )
    head = [
        f"{model.title}, on {backends}: {net['n_cells']} cells, connection probability {net['p_connect']:g}, dt {sim['dt_ms']:g} ms, "
        f"delay {sim['delay_ms']:g} ms, {sim['t_stop_ms']:g} ms per run; {seeds} network seed{plural}, each with "
        f"{ens['replicates']} {'one-cell (5 mV initial v)' if model.current_based else 'one-spike'} replicate(s). "
        "Every engine simulates the same stored networks." + convention_note,
        "",
        "**The verdict.** Two engines are *equivalent* on a statistic when its seed-paired difference lies "
        "inside the margin, *different* when it lies outside (from 3 seeds on), *inconclusive* otherwise "
        f"(``equivalent`` needs {config['compare']['min_seeds']} seeds).",
        "",
    ]
    sentences, header, rows = pair_lines(pairs, agreement, model.name)
    table = list_table(header, rows, [16, 34] + [50 // max(1, len(header) - 2)] * (len(header) - 2))
    tail = [
        "",
        "The rate difference is in Hz; survival is the difference in the fraction of networks that sustained. "
        "Every statistic and its margin: agreement.tsv; the conventions each engine was measured to have: "
        "conventions.tsv; the figures (Brette et al. Fig. 24 layout, survival, paired differences, spectra) "
        "and the sustained-activity map follow.",
    ]
    return "\n".join(head + sentences + table + tail) + "\n"


def write_landing(agreement_path, pairs_path, config: dict, out) -> str:
    text = landing_text(pd.read_csv(agreement_path, sep="\t"), pd.read_csv(pairs_path, sep="\t"), config)
    with atomic_path(out) as tmp:
        tmp.write_text(text)
    return text
