"""The conventions table (``results/stats/conventions.tsv``): one row per engine at the study's dt,
from the rows :func:`vabench.conventions.measure` wrote, and the phrases a verdict shows where two
engines differ (``"refractory clamp 4 vs 5 ms"``)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from vabench.io import write_tsv

# the conventions a verdict names when they differ: column -> words
NAMED = {
    "stored_input_delay_ms": "stored input delay",
    "spike_stamp": "spike stamp",
    "recurrent_delay_ms": "recurrent delay",
    "refractory_clamp_ms": "refractory clamp",
    "integration": "integration",
}
COLUMNS = [
    "backend",
    "dt_ms",
    "delay_ms",
    "tau_refrac_ms",
    "stored_input_delay_ms",
    "spike_stamp",
    "stamp_minus_crossing_ms",
    "recurrent_delay_ms",
    "recurrent_delay_from_stamp_ms",
    "refractory_clamp_ms",
    "integration",
    "note",
]


def conventions_table(json_paths, out) -> pd.DataFrame:
    """Every engine's row in one table (the study's backend order)."""
    rows = [json.loads(open(p).read()) for p in json_paths]
    table = pd.DataFrame(rows).reindex(columns=COLUMNS)
    write_tsv(out, table)
    return table


def read_conventions(path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t") if path else pd.DataFrame(columns=COLUMNS)


def differing(table: pd.DataFrame, a: str, b: str) -> list[str]:
    """The conventions in which engines ``a`` and ``b`` differ, as phrases; empty where either was
    not measured."""
    ra, rb = table[table["backend"] == a], table[table["backend"] == b]
    if ra.empty or rb.empty:
        return []
    ra, rb = ra.iloc[0], rb.iloc[0]
    out = []
    for col, words in NAMED.items():
        x, y = ra.get(col), rb.get(col)
        if pd.isna(x) or pd.isna(y):
            continue
        if col.endswith("_ms"):
            if not np.isclose(float(x), float(y), atol=1e-6):
                out.append(f"{words} {float(x):g} vs {float(y):g} ms")
        elif x != y:
            out.append(f"{words} {x} vs {y}")
    return out
