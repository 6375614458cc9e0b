"""The engine interface: what every simulator implements, in one place.

An engine simulates the stored network (:func:`vabench.network.load_network`) at one or
more weight sets. The driver (:func:`vabench.simulate.run_points`) is the only caller: it
times, writes the recordings and writes one run record whose fields are the same for every
engine. An engine never writes files of the study.

Life of an engine, as the driver uses it::

    engine = Engine(spec)                       # spec: RunSpec (dt, delay, t_stop, threads, ...)
    for result in engine.simulate(net, points): # points: [(g_exc_nS, g_inh_nS), ...]
        ...                                     # one PointResult per point, in order
    engine.close()

:meth:`Engine.simulate` is written once here from the per-point steps (``build``, ``run``,
``reweight`` where the engine can do it exactly, ``spikes``, ``traces``). An engine that
runs many points, or many networks, in one call (a batched GPU engine) overrides
``simulate`` and keeps the rest: see docs in the README, "Adding an engine".

Each engine class declares:

- ``name``: the backend name of the config, the wildcards and the results' paths;
- ``section``: the config section it reads (``brian2``, ``spinnaker``) or None;
- ``resources``: Snakemake resources one job of it holds (``{"spinnaker_board": 1}``);
- ``can_reweight``: whether :meth:`Engine.reweight` exists and is exact (a test compares
  it with a fresh build); otherwise every point is a fresh build in the same process;
- ``input_step_offset``: the step at whose start a stored input spike takes effect,
  counted from round((t + delay) / dt) (measured by tests/test_single_cell.py);
- ``integration``: how it integrates the equations, in words (the conventions table);
- ``models``: the benchmarks of Brette et al. (2007) it implements (config key ``model``);
- ``summary``: one line for the docs.

Its environment is ``envs/simulate-<name>.yaml``; a test checks that every engine has one
and a line in the README's engine table.
"""

from __future__ import annotations

import abc
import dataclasses
import logging
import time
from pathlib import Path
from typing import ClassVar, Iterator

import numpy as np

from vabench.models import describe_pair, get_model, rest_mV
from vabench.network import split_projections, thalamic_spike_trains

log = logging.getLogger(__name__)

POPULATIONS = ("exc", "inh")
# PyNN receptor of each projection of the stored network
RECEPTOR = {
    "e2e": "excitatory",
    "e2i": "excitatory",
    "i2e": "inhibitory",
    "i2i": "inhibitory",
    "ext2e": "excitatory",
    "ext2i": "excitatory",
}


# keys of a config cell section that are vabench's, not the PyNN cell type's
VABENCH_CELL_KEYS = ("v_init_mV",)


@dataclasses.dataclass(frozen=True)
class RunSpec:
    """What every run of one job shares: the model, the clock, and what to record."""

    cell: dict
    weight_thal_nS: float
    dt_ms: float
    delay_ms: float
    t_stop_ms: float
    threads: int = 1
    n_traced: int = 0
    section: dict = dataclasses.field(default_factory=dict)  # the engine's own config section
    work_dir: Path | None = None  # scratch space of the job (logs folder), for engines that need one
    model: str = "coba"  # the benchmark (vabench.models); ``cell`` holds that model's parameters

    @classmethod
    def from_params(cls, params: dict, section: str | None, work_dir=None) -> "RunSpec":
        """From the validated config (``cell``, ``stimulus``, ``simulation``, ``record`` and the section)."""
        s = params["simulation"]
        return cls(
            cell=dict(params["cell"]),
            weight_thal_nS=float(params["stimulus"]["weight_nS"]),
            dt_ms=float(s["dt_ms"]),
            delay_ms=float(s["delay_ms"]),
            t_stop_ms=float(s["t_stop_ms"]),
            threads=int(s.get("threads", 1)),
            n_traced=int(params.get("record", {}).get("n_traced", 0)),
            section=dict(params.get(section) or {}) if section else {},
            work_dir=Path(work_dir).resolve() if work_dir else None,
            model=str(params.get("model", "coba")),
        )

    @property
    def cell_params(self) -> dict:
        """The cell parameters as the model's PyNN cell type takes them (vabench's own keys left out)."""
        return {k: v for k, v in self.cell.items() if k not in VABENCH_CELL_KEYS}


@dataclasses.dataclass
class PointResult:
    """One simulated weight set: spikes and traces as arrays, and the timings of its steps."""

    g_exc_nS: float
    g_inh_nS: float
    spikes: dict  # population -> (cell index within the population int array, time ms float array)
    traces: dict  # population -> {variable: samples x traced cells}, from t=0 every ``trace_dt_ms``
    traced: dict  # population -> indices of the traced cells
    trace_dt_ms: float
    timings_s: dict  # build_s (or reweight), run_s, read_s
    virtual_run: bool = False


class Engine(abc.ABC):
    """One simulator. Subclasses implement the per-point steps; see the module docstring."""

    name: ClassVar[str]
    section: ClassVar[str | None] = None
    resources: ClassVar[dict] = {}
    can_reweight: ClassVar[bool] = False
    input_step_offset: ClassVar[int] = 0
    summary: ClassVar[str] = ""
    integration: ClassVar[str] = ""
    models: ClassVar[tuple[str, ...]] = ("coba",)  # the config's ``model`` values it implements
    requires: ClassVar[tuple[str, ...]] = ()  # top-level modules the engine imports (checked without importing)
    # compiles code on its first run on a machine (cached after): the bench runs it once untimed first
    warm_up: ClassVar[bool] = False

    def __init__(self, spec: RunSpec):
        self.spec = spec

    @classmethod
    def single_cells_supported(cls) -> bool:
        return cls.single_cells is not Engine.single_cells

    def single_cells(self, scenarios: dict, seed: int) -> dict:
        """The single-cell scenarios of :mod:`vabench.scenarios` (one cell each, one stored input
        spike): ``{scenario: {"t": [ms], "v": [mV], "spikes": [ms]}}``. Optional."""
        raise NotImplementedError(f"{self.name} does not run single-cell scenarios")

    @classmethod
    def integration_scheme(cls, spec: RunSpec) -> str:
        """How this engine integrates the equations under ``spec`` (an engine whose scheme is a
        config choice overrides this)."""
        return cls.integration

    @classmethod
    def env_file(cls) -> str:
        return f"simulate-{cls.name}.yaml"

    @classmethod
    def check_config(cls, cfg: dict) -> str | None:
        """What this engine cannot run in the validated ``cfg``: one line naming the key, or None."""
        return None

    # --- the per-point steps -------------------------------------------------------------
    @abc.abstractmethod
    def build(self, net: dict, g_exc_nS: float, g_inh_nS: float) -> None:
        """Create the network from the stored arrays at these weights, at t=0."""

    @abc.abstractmethod
    def run(self) -> None:
        """Simulate ``spec.t_stop_ms`` from t=0."""

    def reweight(self, g_exc_nS: float, g_inh_nS: float) -> None:
        """Back to t=0 with new recurrent weights; only where ``can_reweight`` (exact)."""
        raise NotImplementedError(f"{self.name} cannot reweight; it rebuilds every point")

    @abc.abstractmethod
    def spikes(self) -> dict:
        """Spikes of the last run: ``{pop: (cells, times_ms)}``, cells counted within the population."""

    def traces(self) -> dict:
        """Traces of the last run: ``{pop: {variable: samples x traced}}`` (mV, uS); {} if none."""
        return {}

    def teardown(self) -> None:
        """Free the simulator's network before a rebuild in the same process."""

    def close(self) -> None:
        """End of the job."""
        self.teardown()

    # --- what the engine says about itself -------------------------------------------------
    @abc.abstractmethod
    def versions(self) -> dict:
        """Package versions that make a result."""

    def info(self) -> dict:
        """Engine-specific facts for the run record (mapping, compile, cache); JSON-able."""
        return {}

    @property
    def virtual_run(self) -> bool:
        """True where the engine maps the network but simulates nothing (recordings empty)."""
        return False

    # --- the loop, written once ------------------------------------------------------------
    def simulate(self, net: dict, points: list[tuple[float, float]]) -> Iterator[PointResult]:
        """Every weight set on one network: build once and reweight where exact, else rebuild."""
        built = False
        for g_exc, g_inh in points:
            timings = {}
            t0 = time.perf_counter()
            if built and self.can_reweight:
                self.reweight(g_exc, g_inh)
            else:
                if built:
                    self.teardown()
                self.build(net, g_exc, g_inh)
                built = True
            timings["build_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            self.run()
            timings["run_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            spikes, traces = self.spikes(), self.traces()
            timings["read_s"] = time.perf_counter() - t0
            yield PointResult(
                g_exc, g_inh, spikes, traces, self.traced(net), self.trace_dt_ms, timings, self.virtual_run
            )

    def traced(self, net: dict) -> dict:
        """The traced cells: the first ``spec.n_traced`` of each population."""
        sizes = {"exc": net["n_exc"], "inh": net["n_inh"]}
        return {pop: np.arange(min(self.spec.n_traced, sizes[pop])) for pop in POPULATIONS}

    @property
    def trace_dt_ms(self) -> float:
        return self.spec.dt_ms

    @property
    def traced_variables(self) -> tuple[str, ...]:
        """What is recorded of a traced cell: v and both conductances, v only on current synapses."""
        return get_model(self.spec.model).traced


class PyNNEngine(Engine):
    """The shared PyNN code (NEST, NEURON, Brian2, SpiNNaker): the model's PyNN cell type, built
    from the stored arrays; a subclass says how to import and set up its simulator and may
    override ``make_projection`` (a faster native connect) and the readers."""

    pynn_module: ClassVar[str]

    def __init__(self, spec: RunSpec):
        super().__init__(spec)
        self.sim = None
        self.model = None

    # --- what a PyNN backend provides ----------------------------------------------------
    def import_sim(self):
        import importlib

        return importlib.import_module(self.pynn_module)

    def setup(self, sim, seed: int) -> None:
        sim.setup(timestep=self.spec.dt_ms, min_delay=self.spec.delay_ms, max_delay=self.spec.delay_ms)

    def make_projection(self, sim, pre_pop, post_pop, pre_idx, post_idx, weight_uS, receptor, label):
        conn = sim.FromListConnector(np.column_stack([pre_idx, post_idx]).astype(int))
        syn = sim.StaticSynapse(weight=weight_uS, delay=self.spec.delay_ms)
        return sim.Projection(pre_pop, post_pop, conn, syn, receptor_type=receptor, label=label)

    def set_weight(self, projection, weight_uS: float) -> None:
        projection.set(weight=weight_uS)

    def weight(self, value: float, receptor: str) -> float:
        """A config weight (nS, or pA for current synapses) as PyNN takes it (uS or nA, signed)."""
        return get_model(self.spec.model).pynn_weight(value, receptor)

    def cell_type(self, sim, i_offset_nA: float = 0.0):
        """The model's PyNN standard cell (IF_cond_exp, HH_cond_exp, ...) with the config's parameters."""
        celltype = getattr(sim, get_model(self.spec.model).pynn_cell)
        return celltype(**self.spec.cell_params, i_offset=i_offset_nA)

    # --- the engine steps ----------------------------------------------------------------
    def build(self, net: dict, g_exc_nS: float, g_inh_nS: float) -> None:
        if self.sim is None:
            self.sim = self.import_sim()
        sim = self.sim
        self.setup(sim, int(net["params"]["network"]["seed"]))
        cell_type = self.cell_type(sim)
        pops = {
            "exc": sim.Population(net["n_exc"], cell_type, label="exc"),
            "inh": sim.Population(net["n_inh"], cell_type, label="inh"),
        }
        pops["exc"].initialize(v=net["v_init_mV"][: net["n_exc"]])
        pops["inh"].initialize(v=net["v_init_mV"][net["n_exc"] :])
        # sPyNNaker has no Sequence type and takes one list of times per source
        as_train = getattr(sim, "Sequence", lambda t: [float(x) for x in t])
        if net["n_thalamic"]:  # CUBA's cells fire on their own: its networks have no thalamus
            trains = [as_train(t) for t in thalamic_spike_trains(net)]
            pops["thalamus"] = sim.Population(
                net["n_thalamic"], sim.SpikeSourceArray(spike_times=trains), label="thalamus"
            )
        weights = {"e": g_exc_nS, "i": g_inh_nS, "ext": self.spec.weight_thal_nS}
        source = {"e": pops["exc"], "i": pops["inh"], "ext": pops.get("thalamus")}
        target = {"e": pops["exc"], "i": pops["inh"]}
        projections = {}
        for name, (pre, post) in split_projections(net).items():
            src_key, tgt_key = name.split("2")
            if source[src_key] is None:
                continue
            projections[name] = self.make_projection(
                sim,
                source[src_key],
                target[tgt_key],
                pre,
                post,
                self.weight(weights[src_key], RECEPTOR[name]),
                RECEPTOR[name],
                name,
            )
        for pop in POPULATIONS:
            pops[pop].record("spikes")
            k = min(self.spec.n_traced, pops[pop].size)
            if k:
                pops[pop][0:k].record(list(self.traced_variables))
        self.model = {"populations": pops, "projections": projections}
        log.info(
            "%s: built %d + %d cells, %d synapses (%s)",
            self.name,
            net["n_exc"],
            net["n_inh"],
            len(net["pre"]) + len(net["thalamic_pre"]),
            describe_pair(g_exc_nS, g_inh_nS, self.spec.model),
        )

    def run(self) -> None:
        self.sim.run(self.spec.t_stop_ms)

    def reweight(self, g_exc_nS: float, g_inh_nS: float) -> None:
        if not self.can_reweight:
            super().reweight(g_exc_nS, g_inh_nS)
        for pop in POPULATIONS:  # drop the last run's recording, as get_data(clear=True) does
            self.model["populations"][pop].recorder.clear()
        self.sim.reset()  # reset reverts weights set before it, so set them after
        for name, prj in self.model["projections"].items():
            if name in ("e2e", "e2i", "i2e", "i2i"):
                self.set_weight(prj, self.weight(g_exc_nS if name[0] == "e" else g_inh_nS, RECEPTOR[name]))

    def spikes(self) -> dict:
        out = {}
        for pop in POPULATIONS:
            seg = self.model["populations"][pop].get_data("spikes").segments[-1]
            cells = [np.full(len(st), st.annotations["source_index"], np.int32) for st in seg.spiketrains]
            times = [np.asarray(st.rescale("ms").magnitude, np.float64) for st in seg.spiketrains]
            out[pop] = (
                np.concatenate(cells) if cells else np.zeros(0, np.int32),
                np.concatenate(times) if times else np.zeros(0),
            )
        return out

    def traces(self) -> dict:
        if not self.spec.n_traced:
            return {}
        out = {}
        for pop in POPULATIONS:
            seg = self.model["populations"][pop].get_data(list(self.traced_variables)).segments[-1]
            out[pop] = {sig.name: np.asarray(sig.magnitude, np.float64) for sig in seg.analogsignals}
        return out

    def teardown(self) -> None:
        if self.model is not None:
            self.sim.end()
            self.model = None

    def single_cells(self, scenarios: dict, seed: int) -> dict:
        sim = self.import_sim()
        self.setup(sim, seed)
        cells = {}
        for label, sc in scenarios.items():
            pop = sim.Population(1, self.cell_type(sim, float(sc.get("i_offset_nA", 0.0))), label=label)
            pop.initialize(v=rest_mV(self.spec.cell))
            if sc["weight_nS"]:
                src = sim.Population(
                    1, sim.SpikeSourceArray(spike_times=[float(sc["spike_ms"])]), label=label + "_input"
                )
                self.make_projection(
                    sim,
                    src,
                    pop,
                    np.array([0]),
                    np.array([0]),
                    self.weight(sc["weight_nS"], sc["receptor"]),
                    sc["receptor"],
                    label + "_syn",
                )
            pop.record(["v", "spikes"])
            cells[label] = pop
        sim.run(self.spec.t_stop_ms)
        out = {}
        for label, pop in cells.items():
            seg = pop.get_data().segments[0]
            sig = next(s for s in seg.analogsignals if s.name == "v")
            out[label] = {
                "t": np.asarray(sig.times.rescale("ms").magnitude, float).ravel().tolist(),
                "v": np.asarray(sig.rescale("mV").magnitude, float)[:, 0].tolist(),
                "spikes": np.asarray(seg.spiketrains[0].rescale("ms").magnitude, float).tolist(),
            }
        sim.end()
        return out
