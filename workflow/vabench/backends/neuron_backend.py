"""NEURON through PyNN.

Quirk: ``import pyNN.neuron`` compiles PyNN's NMODL files (nrnivmodl, ~30 s) the first time
in an environment. Parallel simulate jobs would race on that compile, so ``make setup``
(and :func:`compile_mechanisms`) does it once beforehand.
"""

from __future__ import annotations

import numpy as np

from vabench.backends._util import package_versions
from vabench.backends.base import POPULATIONS, PyNNEngine


def compile_mechanisms() -> None:
    import pyNN.neuron  # noqa: F401  (the import compiles the NMODL files if needed)


class NeuronEngine(PyNNEngine):
    name = "neuron"
    pynn_module = "pyNN.neuron"
    requires = ("pyNN", "neuron")
    summary = "NEURON 9 through PyNN; fixed-step implicit (backward) Euler"
    # Rebuilding NEURON in one process keeps old cells simulated; reset + new weights is exact.
    can_reweight = True

    def versions(self) -> dict:
        return package_versions("PyNN", "neuron", "numpy", "neo")

    def spikes(self) -> dict:
        """Straight from PyNN's NEURON vectors: PyNN builds its Block with per-cell unit parsing and
        annotations (about 4 s at N=4000, 13 s at N=10,000); a test compares the two."""
        from pyNN.neuron import simulator

        t_now = simulator.state.t + 1e-9  # PyNN's own cut-off
        out = {}
        for pop in POPULATIONS:
            cells, times = [], []
            for i, cell_id in enumerate(self.model["populations"][pop].all_cells):
                st = cell_id._cell.spike_times.as_numpy()
                st = st[st <= t_now]
                times.append(st)
                cells.append(np.full(len(st), i, dtype=np.int32))
            out[pop] = (np.concatenate(cells), np.concatenate(times))
        return out

    def traces(self) -> dict:
        if not self.spec.n_traced:
            return {}
        out = {}
        for pop in POPULATIONS:
            population = self.model["populations"][pop]
            ids = population.all_cells[: min(self.spec.n_traced, population.size)]
            out[pop] = {variable.name: population.recorder._get_all_signals(variable, ids)[0]  # PyNN's own length fix
                        for variable in population.recorder.recorded if variable.name != "spikes"}
        return out

    @property
    def trace_dt_ms(self) -> float:
        return self.model["populations"]["exc"].recorder.sampling_interval
