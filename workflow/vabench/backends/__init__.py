"""One module per simulator: how to import it, set it up, and its quirks.

Each module exposes ``import_sim()`` (returns the ``pyNN.<backend>`` module),
``setup(sim, dt_ms, delay_ms, threads, seed)`` and ``versions()``. Quirks live here and
nowhere else.
"""

from __future__ import annotations

import importlib

BACKENDS = ("nest", "neuron", "brian2", "brian2-native", "spinnaker")


def get_backend(name: str):
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; allowed values: {', '.join(BACKENDS)}")
    return importlib.import_module(f"vabench.backends.{name.replace('-', '')}_backend")
