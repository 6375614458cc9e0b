"""Files that stages hand to each other, and atomic writes.

Every writer goes through :func:`atomic_path`: the data lands in a temporary file in the
same folder and is renamed into place, so a file is either whole or absent.

Formats
-------
``network.npz``      see :mod:`vabench.network`.
``spikes.parquet``   columns ``population`` (category: exc/inh), ``cell`` (int32, index
                     within the population), ``time_ms`` (float64); one row per spike.
``traces.npz``       per population ``<pop>_cells`` (int32 indices), ``<pop>_v_mV``,
                     ``<pop>_gsyn_exc_uS``, ``<pop>_gsyn_inh_uS`` (float32, cells x samples),
                     and ``t_ms`` (float64, samples).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pandas costs 0.5 s to import; the simulate job never needs it
    import pandas as pd

POPULATIONS = ("exc", "inh")
_UMASK = os.umask(0)
os.umask(_UMASK)


class DamagedFileError(RuntimeError):
    """An intermediate file cannot be read; the message names it and how to rebuild it."""


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str | None = None):
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix or path.suffix)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; results are meant to be shared
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_json(path, obj) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def write_tsv(path, df: pd.DataFrame) -> None:
    with atomic_path(path) as tmp:
        df.to_csv(tmp, sep="\t", index=False, float_format="%.6g")


def write_npz(path, **arrays) -> None:
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez_compressed(tmp, **arrays)


def write_spikes(path, spikes: pd.DataFrame) -> None:
    with atomic_path(path) as tmp:
        spikes.to_parquet(tmp, index=False)


def empty_spikes() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {
            "population": pd.Categorical([], categories=POPULATIONS),
            "cell": np.array([], dtype=np.int32),
            "time_ms": np.array([], dtype=np.float64),
        }
    )


def read_spikes(path) -> pd.DataFrame:
    import pandas as pd

    try:
        df = pd.read_parquet(path)
    except Exception as err:  # pyarrow raises several types for a damaged file
        raise DamagedFileError(
            f"cannot read spike table '{path}' ({type(err).__name__}); rebuild it with: snakemake --cores 1 --force '{path}'"
        ) from None
    df["population"] = pd.Categorical(df["population"], categories=POPULATIONS)
    return df


def read_npz(path, what: str = "file") -> dict:
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except Exception as err:  # zipfile/numpy raise several types for a damaged file
        raise DamagedFileError(
            f"cannot read {what} '{path}' ({type(err).__name__}); rebuild it with: snakemake --cores 1 --force '{path}'"
        ) from None
