"""What a run's record (``run.json``) says: the run's identity in the tables, its population
sizes, and whether it ran at all (a virtual SpiNNaker run)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from vabench.io import DamagedFileError

# the columns that say which run a row of a table comes from
IDENTITY = ("backend", "g_exc_nS", "g_inh_nS", "network_seed", "replicate")

VIRTUAL_NOTE = "virtual run: no spikes"


def read_run_info(path) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as err:
        raise DamagedFileError(
            f"cannot read run record '{path}' ({type(err).__name__}); rebuild it with: snakemake --cores 1 --force '{path}'"
        ) from None


def run_note(run_json) -> str | None:
    """What a figure panel should say instead of data (a virtual SpiNNaker run), or None."""
    return VIRTUAL_NOTE if read_run_info(run_json).get("virtual_run") else None


def run_identity(info: dict) -> dict:
    """Columns that say which run a table row comes from."""
    return {
        "backend": info["backend"],
        "g_exc_nS": info["g_exc_nS"],
        "g_inh_nS": info["g_inh_nS"],
        "network_seed": info["seed"],
        "replicate": int(info["network_params"].get("replicate", 0)),
    }


def run_rows(table: pd.DataFrame, ident: dict) -> pd.DataFrame:
    """The rows of one run (``ident``: :func:`run_identity`) in a table with identity columns."""
    mine = (
        (table["backend"] == ident["backend"])
        & (table["network_seed"] == ident["network_seed"])
        & (table["replicate"] == ident["replicate"])
        & (table["g_exc_nS"] == float(ident["g_exc_nS"]))
        & (table["g_inh_nS"] == float(ident["g_inh_nS"]))
    )
    return table[mine].reset_index(drop=True)


def population_sizes(info: dict) -> dict:
    net = info["network_params"]["network"]
    n_exc = int(round(net["n_cells"] * net["exc_fraction"]))
    return {"exc": n_exc, "inh": net["n_cells"] - n_exc}


def with_identity(table: pd.DataFrame, ident: dict) -> pd.DataFrame:
    """``table`` with the run's identity columns first."""
    table = table.copy()
    for i, key in enumerate(IDENTITY):
        table.insert(i, key, ident[key])
    return table
