"""NEURON through PyNN.

Quirks:

- ``import pyNN.neuron`` compiles PyNN's NMODL files (nrnivmodl, ~30 s) the first time in an
  environment. Parallel simulate jobs would race on that compile, so ``make setup`` (and
  :func:`compile_mechanisms`) does it once beforehand.
- The synapses are NEURON NetCons made here, the ones PyNN's ``FromListConnector`` makes, in
  its order (one ``ParallelContext.gid_connect`` per synapse, targets in PyNN's order, each
  target's sources in that order: the same event order, so the same spikes, tested). PyNN
  builds a Python ``Connection`` object and translates the synapse's parameters per synapse
  and per target cell: 9 s of a 16-s job at N=4000, against about 2 s here.
"""

from __future__ import annotations

import numpy as np

from vabench.backends._util import package_versions
from vabench.backends.base import POPULATIONS, PyNNEngine


def compile_mechanisms() -> None:
    import pyNN.neuron  # noqa: F401  (the import compiles the NMODL files if needed)


class NeuronEngine(PyNNEngine):
    name = "neuron"
    models = ("coba", "cuba", "hh-coba")
    pynn_module = "pyNN.neuron"
    requires = ("pyNN", "neuron")
    summary = "NEURON 9 through PyNN; fixed-step implicit (backward) Euler"
    integration = "backward Euler"
    # Rebuilding NEURON in one process keeps old cells simulated; reset + new weights is exact.
    can_reweight = True

    def __init__(self, spec):
        super().__init__(spec)
        self._alive: list = []

    def versions(self) -> dict:
        return package_versions("PyNN", "neuron", "numpy", "neo")

    def make_projection(self, sim, pre_pop, post_pop, pre_idx, post_idx, weight_uS, receptor, label):
        from pyNN.neuron.simulator import state

        # PyNN's FromListConnector.connect: targets in its argsort order, sources in that order
        conn_list = np.array(np.column_stack([pre_idx, post_idx]).astype(int))
        if conn_list.size == 0:
            return NetConProjection([], label)
        conn_list = conn_list[np.argsort(conn_list[:, 1])]
        targets = np.unique(conn_list[:, 1]).astype(int)
        left = np.searchsorted(conn_list[:, 1], targets, "left")
        right = np.searchsorted(conn_list[:, 1], targets, "right")
        pre_gids = [int(gid) for gid in pre_pop.all_cells]
        post_cells = post_pop.all_cells
        connect, delay, netcons = state.parallel_context.gid_connect, float(self.spec.delay_ms), []
        for target, lo, hi in zip(targets, left, right):
            synapse = getattr(post_cells[target]._cell, receptor)
            for source in conn_list[lo:hi, 0]:
                nc = connect(pre_gids[source], synapse)
                nc.weight[0] = weight_uS
                nc.delay = delay
                netcons.append(nc)
        projection = NetConProjection(netcons, label)
        self._alive.append(projection)  # a NetCon nobody refers to is deleted (PyNN keeps its Projections)
        return projection

    def set_weight(self, projection, weight_uS: float) -> None:
        projection.set_weight(weight_uS)

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
            out[pop] = {
                variable.name: population.recorder._get_all_signals(variable, ids)[0]  # PyNN's own length fix
                for variable in population.recorder.recorded
                if variable.name != "spikes"
            }
        return out

    @property
    def trace_dt_ms(self) -> float:
        return self.model["populations"]["exc"].recorder.sampling_interval


class NetConProjection:
    """The NetCons of one projection (what the engine needs of PyNN's ``Projection``)."""

    def __init__(self, netcons: list, label: str):
        self.netcons, self.label = netcons, label

    def __len__(self) -> int:
        return len(self.netcons)

    def set_weight(self, weight_uS: float) -> None:
        for nc in self.netcons:
            nc.weight[0] = weight_uS
