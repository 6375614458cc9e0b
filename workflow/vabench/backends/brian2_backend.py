"""Brian2 through PyNN.

Quirks: PyNN's Brian2 backend integrates with forward Euler (fixed), and does not seed
Brian2's own RNG, so :meth:`Brian2Engine.setup` calls ``brian2.seed``. Brian2 compiles its
code (cython) the first time a network size is seen; later runs reuse the cache.
"""

from __future__ import annotations

import numpy as np

from vabench.backends._util import package_versions
from vabench.backends.base import PyNNEngine

CODEGEN_TARGET = "numpy"


class Brian2Engine(PyNNEngine):
    name = "brian2"
    # not hh-coba: PyNN 0.12's Brian2 HH_cond_exp fires at every step v is above -40 mV (no
    # refractoriness), so one action potential is several spikes and several synaptic events
    # (N=4000, seed 2: 72% of ISIs 0.1-0.2 ms, activity dead by 500 ms; README, HH-COBA)
    models = ("coba", "cuba")
    pynn_module = "pyNN.brian2"
    requires = ("pyNN", "brian2")
    summary = "Brian2 through PyNN; forward Euler (fixed by PyNN), numpy code generation"
    # PyNN asks Brian2 for (exact, euler, heun); v's equation has g * v terms, so Brian2 logs "using method 'euler'"
    integration = "forward Euler"
    # Rebuilding Brian2 in one process renames objects (new code each time); reset + new weights
    # is exact, but reset reverts weights set before it, so they are set after.
    can_reweight = True
    # Brian2 delivers a spike in the synapses slot of its step, after the state update
    input_step_offset = 1

    def setup(self, sim, seed: int) -> None:
        import brian2

        sim.setup(timestep=self.spec.dt_ms, min_delay=self.spec.delay_ms, max_delay=self.spec.delay_ms)
        # Cython compiles every code object anew for each network size and object name
        # (minutes per job, cold in every CI run); numpy code needs no compile.
        brian2.prefs.codegen.target = CODEGEN_TARGET
        brian2.seed(seed)

    def versions(self) -> dict:
        return package_versions("PyNN", "brian2", "numpy", "neo")

    def make_projection(self, sim, pre_pop, post_pop, pre_idx, post_idx, weight_uS, receptor, label):
        """Create the PyNN projection empty, then connect all synapses in one Brian2 call.

        PyNN's Brian2 backend connects one target cell at a time and sets weights synapse by
        synapse (~165 s at N=4000); one vectorised ``Synapses.connect`` takes ~0.2 s. This is the
        only place that touches PyNN's private ``_brian2_synapses``.
        """
        import brian2

        delay_ms = self.spec.delay_ms
        empty = sim.FromListConnector(np.empty((0, 2), dtype=int))
        prj = sim.Projection(
            pre_pop,
            post_pop,
            empty,
            sim.StaticSynapse(weight=weight_uS, delay=delay_ms),
            receptor_type=receptor,
            label=label,
        )
        syn = prj._brian2_synapses[0][0]
        if len(pre_idx):
            syn.connect(i=np.asarray(pre_idx, dtype=np.int32), j=np.asarray(post_idx, dtype=np.int32))
            syn.weight[:] = weight_uS * (brian2.uS if post_pop.celltype.conductance_based else brian2.nA)
            # PyNN rounds delays to the nearest step rather than truncating; do the same.
            dt_ms = float(sim.state.dt)
            syn.delay[:] = round(delay_ms / dt_ms) * dt_ms * brian2.ms
        prj._n_connections = len(pre_idx)
        return prj

    def set_weight(self, projection, weight_uS: float) -> None:
        import brian2

        syn = projection._brian2_synapses[0][0]
        if len(syn):
            syn.weight[:] = weight_uS * (brian2.uS if projection.post.celltype.conductance_based else brian2.nA)
