"""NEURON through PyNN.

Quirk: ``import pyNN.neuron`` compiles PyNN's NMODL files (nrnivmodl, ~30 s) the first time
in an environment. Parallel simulate jobs would race on that compile, so ``make setup``
(and :func:`compile_mechanisms`) does it once beforehand.
"""

from __future__ import annotations

from vabench.backends._util import package_versions


def compile_mechanisms() -> None:
    import pyNN.neuron  # noqa: F401  (the import compiles the NMODL files if needed)


def import_sim():
    import pyNN.neuron as sim

    return sim


def setup(sim, dt_ms: float, delay_ms: float, threads: int, seed: int) -> None:
    sim.setup(timestep=dt_ms, min_delay=delay_ms, max_delay=delay_ms)


def versions() -> dict:
    return package_versions("PyNN", "neuron", "numpy", "neo")


def make_projection(sim, pre_pop, post_pop, pre_idx, post_idx, weight_uS, delay_ms, receptor, label):
    from vabench.backends._util import pynn_projection

    return pynn_projection(sim, pre_pop, post_pop, pre_idx, post_idx, weight_uS, delay_ms, receptor, label)


# Rebuilding NEURON in one process keeps old cells simulated; reset + new weights is exact.
REBUILD_PER_POINT = False


def set_weight(prj, weight_uS: float) -> None:
    prj.set(weight=weight_uS)
