"""NEST through PyNN.

Quirks:
- ``import pyNN.nest`` tries to build PyNN's NEST extensions and prints CMake errors (the
  wheel ships no headers); harmless, kept out of the log.
- PyNN makes spike generators use precise times minus min_delay, so float rounding can
  deliver a stored spike one step late; on-grid generators keep stored spikes exact.
- ``threads`` is NEST's local_num_threads; the input is stored, so results do not depend on it.
"""

from __future__ import annotations

import logging

from vabench.backends._util import package_versions, quiet_fds

log = logging.getLogger(__name__)


def import_sim():
    with quiet_fds() as out:
        import pyNN.nest as sim
    if "error" in out.get("text", "").lower():
        log.debug("pyNN.nest import printed (harmless extension-build noise):\n%s", out["text"])
    return sim


def setup(sim, dt_ms: float, delay_ms: float, threads: int, seed: int) -> None:
    import nest

    sim.setup(timestep=dt_ms, min_delay=delay_ms, max_delay=delay_ms, threads=threads, rng_seed=seed)
    nest.SetDefaults("spike_generator", {"precise_times": False, "allow_offgrid_times": True})


def versions() -> dict:
    return package_versions("PyNN", "nest-simulator", "numpy", "neo")


def make_projection(sim, pre_pop, post_pop, pre_idx, post_idx, weight_uS, delay_ms, receptor, label):
    from vabench.backends._util import pynn_projection

    return pynn_projection(sim, pre_pop, post_pop, pre_idx, post_idx, weight_uS, delay_ms, receptor, label)
