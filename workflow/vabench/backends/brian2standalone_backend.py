"""The brian2-native model in Brian2's C++ standalone mode (engine ``brian2-standalone``).

Why: at N=4000 a Brian2 runtime point costs a Brian2 import, a build and a ~1 s run, NEST
~10 s; a compiled standalone binary reruns the network in 0.3-0.7 s (process start and result
files included) and the running process never imports Brian2. The model is compiled once
per network and rerun for every weight set with Brian2's ``run_args``: the three weights
(``w : siemens (constant, shared)`` on each Synapses object) and the thalamic input are set
on the binary's command line, so one binary serves every weight set (and every replicate of a
network: see below). Each run starts from the compiled initial state, so a reweighted run is
exactly a fresh run.

The model is brian2-native's (:mod:`vabench.backends.brian2_models`: the same equations and
namespace, one NeuronGroup exc then inh, Synapses ``from_exc``/``from_inh``/``from_thalamus``)
with two differences, both needed to make per-run values possible and neither changing the
dynamics (a test checks the spikes against brian2-native):

- the weights are shared variables, not namespace constants (constants are compiled in);
- the thalamus is a NeuronGroup that fires when a 2-D TimedArray (time step x source) is 1,
  instead of a SpikeGeneratorGroup: the group's spike arrays are read-only in standalone mode
  and cannot be run_args, a TimedArray can. Same step, same order of sources within a step.
  So the stored input spike times are NOT compiled in: a replicate (one input spike moved
  by one dt) reuses its parent's binary.

Projects are cached by content under ``$VABENCH_STANDALONE_CACHE`` (default
``~/.cache/vabench/brian2-standalone``): the directory name is the sha256 of everything compiled
in (network connectivity and initial v, equations, model code, method, dt, delay, t_stop,
n_traced, OpenMP threads, Brian2 version, CPU: Brian2 compiles with ``-march=native``). A build
holds an ``fcntl`` lock on ``<key>.lock``, compiles in a subprocess into a temporary directory
and renames it into place, so concurrent jobs build a project once and never see half of one.
A cached project is run directly (``main --results_dir DIR name=value ...``, Brian2's own
run_args command line) and its result files are read back with the names recorded at compile
time, so reusing a project needs neither Brian2 nor a compiler in the running process; every
run writes into its own results directory, so runs of one project may go in parallel.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import hashlib
import inspect
import json
import logging
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from vabench.backends import brian2_models
from vabench.backends._util import package_versions
from vabench.backends.base import Engine, RunSpec
from vabench.backends.brian2_models import neuron_group_args, synapses, weight
from vabench.backends.brian2native_backend import projections, set_initial
from vabench.models import rest_mV

log = logging.getLogger(__name__)

CACHE_ENV = "VABENCH_STANDALONE_CACHE"
CCACHE_ENV = "VABENCH_CCACHE"  # 0: compile without ccache even where it is installed
DEFAULT_CACHE = "~/.cache/vabench/brian2-standalone"
MANIFEST = "vabench-manifest.json"  # written last, before the rename: a project with it is complete
# arrays of the stored network compiled into the binary (the thalamic spike times are run_args)
COMPILED_ARRAYS = ("pre", "post", "v_init_mV", "thalamic_pre", "thalamic_post")
TIMED_ARRAY = "thalamic_input"


def cache_root() -> Path:
    """The project cache, absolute: the binary is run by this path from its own project folder."""
    return Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE).expanduser().resolve()


def _define_model(b2, net: dict, spec: dict) -> dict:
    """The Brian2 objects (standalone device active): brian2-native's model
    (:class:`~vabench.backends.brian2native_backend.Brian2NativeEngine`) but for the two
    differences in the module docstring."""
    cell = spec["cell"]
    n_exc, n_cells = int(net["n_exc"]), int(net["n_exc"]) + int(net["n_inh"])
    neurons = b2.NeuronGroup(
        n_cells, **neuron_group_args(spec["model"], cell, spec["dt_ms"]), method=spec["method"], name="neurons"
    )
    set_initial(neurons, spec["model"], cell, np.asarray(net["v_init_mV"]))
    groups = {"exc": neurons[:n_exc], "inh": neurons[n_exc:]}
    objects = {"neurons": neurons}
    if int(net["n_thalamic"]):
        # placeholder input (no spikes); every run sets the stored one
        stim = b2.TimedArray(np.zeros(tuple(spec["stim_shape"])), dt=spec["dt_ms"] * b2.ms, name=TIMED_ARRAY)
        objects["thalamus"] = groups["thalamus"] = b2.NeuronGroup(
            int(net["n_thalamic"]),
            "",
            threshold=f"{TIMED_ARRAY}(t, i) > 0.5",
            namespace={TIMED_ARRAY: stim},
            name="thalamus",
        )
    syn_kind = synapses(spec["model"])
    for name, source, i, j, receptor in projections(net):
        syn = b2.Synapses(
            groups[source],
            neurons,
            model=f"w : {syn_kind['unit']} (constant, shared)",
            on_pre=f"{syn_kind['target'][receptor]}_post += w",
            delay=spec["delay_ms"] * b2.ms,
            name=name,
        )
        if len(i):
            syn.connect(i=np.asarray(i, np.int32), j=np.asarray(j, np.int32))
        objects[name] = syn
    traced = np.concatenate([np.arange(spec["n_traced_exc"]), n_exc + np.arange(spec["n_traced_inh"])])
    objects["spikes"] = b2.SpikeMonitor(neurons, name="spikes")
    if len(traced):
        variables = [var for var, _scale in syn_kind["traced"].values()]
        objects["traces"] = b2.StateMonitor(neurons, variables, record=traced, name="traces")
    return objects


def _define_single_cells(b2, scenarios: dict, spec: dict) -> dict:
    """The single-cell scenarios (:mod:`vabench.scenarios`) as :func:`_define_model` defines the
    network (standalone device active): one NeuronGroup of the model's equations, one cell per scenario at
    rest (v_rest; HH: e_rev_leak, gates at steady state) with its ``i_offset``; the input a NeuronGroup firing from the TimedArray
    ``thalamic_input`` (source k feeds cell k); one Synapses object per (receptor, weight) with
    ``w : siemens (constant, shared)`` and ``<g>_post += w``. The weights and the input are the
    run's ``run_args`` (:meth:`Brian2StandaloneEngine.single_cells`), as in the network."""
    cell, labels = spec["cell"], list(scenarios)
    neurons = b2.NeuronGroup(
        len(labels), **neuron_group_args(spec["model"], cell, spec["dt_ms"]), method=spec["method"], name="neurons"
    )
    set_initial(neurons, spec["model"], cell, np.full(len(labels), rest_mV(cell)))
    neurons.i_offset = np.array([float(scenarios[lb].get("i_offset_nA", 0.0)) for lb in labels]) * b2.nA
    stim = b2.TimedArray(np.zeros(tuple(spec["stim_shape"])), dt=spec["dt_ms"] * b2.ms, name=TIMED_ARRAY)
    thalamus = b2.NeuronGroup(
        len(labels), "", threshold=f"{TIMED_ARRAY}(t, i) > 0.5", namespace={TIMED_ARRAY: stim}, name="thalamus"
    )
    objects = {"neurons": neurons, "thalamus": thalamus}
    syn_kind = synapses(spec["model"])
    for k, (receptor, _weight_nS, cells) in enumerate(_single_cell_projections(scenarios)):
        syn = b2.Synapses(
            thalamus,
            neurons,
            model=f"w : {syn_kind['unit']} (constant, shared)",
            on_pre=f"{syn_kind['target'][receptor]}_post += w",
            delay=spec["delay_ms"] * b2.ms,
            name=f"input_{k}",
        )
        syn.connect(i=np.asarray(cells, np.int32), j=np.asarray(cells, np.int32))
        objects[f"input_{k}"] = syn
    objects["spikes"] = b2.SpikeMonitor(neurons, name="spikes")
    objects["traces"] = b2.StateMonitor(neurons, "v", record=True, name="traces")
    return objects


def _single_cell_projections(scenarios: dict) -> list:
    """(receptor, weight nS, cells) of each input Synapses object: the fed cells (scenario
    order) grouped by receptor and weight, as the network groups its synapses by source."""
    groups: dict = {}
    for k, sc in enumerate(scenarios.values()):
        if sc["weight_nS"]:
            groups.setdefault((sc["receptor"], float(sc["weight_nS"])), []).append(k)
    return [(receptor, w, cells) for (receptor, w), cells in groups.items()]


def _cpu_id() -> str:
    """What ``-march=native`` depends on: the machine and its CPU model and flags."""
    model = flags = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key = line.split(":")[0].strip()
            if key == "model name" and not model:
                model = line.split(":", 1)[1].strip()
            elif key == "flags" and not flags:
                flags = hashlib.sha256(line.split(":", 1)[1].strip().encode()).hexdigest()[:16]
    return f"{platform.machine()}|{model}|{flags}"


def _stim_rows(net: dict, dt_ms: float, t_stop_ms: float) -> int:
    """Time steps of the input TimedArray: the stimulus window of the network (so that a
    replicate, one spike moved by one dt inside it, has the same shape) plus one zero row
    (a TimedArray holds its last value after its end)."""
    p = net.get("params") or json.loads(str(net.get("params_json", "{}")))
    try:
        end_ms = float(p["stimulus_onset_ms"]) + float(p["stimulus"]["duration_ms"])
    except (KeyError, TypeError):
        end_ms = t_stop_ms
    return int(round(min(end_ms, t_stop_ms) / dt_ms)) + 2


def _input_values(times_ms, sources, shape, dt_ms: float, t_stop_ms: float, dtype) -> np.ndarray:
    """Stored input spikes as the input TimedArray's values (time step x source, 1 = spike),
    binned as SpikeGeneratorGroup bins them; spikes at or after ``t_stop_ms`` are dropped (they
    are never delivered)."""
    rows, cols = shape
    dt_s = dt_ms * 1e-3
    times_s = np.asarray(times_ms, np.float64) * 1e-3  # as brian2-native: times * ms
    src = np.asarray(sources, np.int64)
    bins = np.asarray((times_s + 1e-3 * dt_s) / dt_s, dtype=np.int64)  # SpikeGeneratorGroup.before_run
    keep = bins < int(round(t_stop_ms / dt_ms))  # later ones are never delivered
    bins, src = bins[keep], src[keep]
    if len(bins) and (bins.min() < 0 or bins.max() >= rows - 1):
        raise ValueError(f"stored thalamic input outside the compiled window of {rows - 2} steps of {dt_ms} ms")
    values = np.zeros((rows, cols), dtype=np.dtype(dtype))
    np.add.at(values, (bins, src), 1)
    if (values > 1).any():
        raise ValueError("a thalamic source spikes more than once in one time step")
    return values


def _spec(spec: RunSpec, net: dict) -> dict:
    """Everything compiled in besides the network arrays (all of it goes into the cache key)."""
    # the manifest's format too (_compile_project): a project cached by older code is not reused
    code = "".join(
        inspect.getsource(f) for f in (_define_model, _compile_project, projections, set_initial)
    ) + inspect.getsource(brian2_models)
    threads = max(int(spec.threads or 1), 1)
    return {
        "engine": "brian2-standalone",
        "model": spec.model,
        "model_code": hashlib.sha256(code.encode()).hexdigest(),
        "cell": {k: float(v) for k, v in spec.cell_params.items()},
        "method": spec.section.get("method", "exponential_euler"),
        "dt_ms": float(spec.dt_ms),
        "delay_ms": float(spec.delay_ms),
        "t_stop_ms": float(spec.t_stop_ms),
        "n_traced_exc": min(int(spec.n_traced), int(net["n_exc"])),
        "n_traced_inh": min(int(spec.n_traced), int(net["n_inh"])),
        "openmp_threads": threads if threads > 1 else 0,  # compiled in; 0: without OpenMP
        "stim_shape": [_stim_rows(net, float(spec.dt_ms), float(spec.t_stop_ms)), int(net["n_thalamic"])],
        "brian2": package_versions("brian2")["brian2"],
        "cpu": _cpu_id(),
    }


def _net_digest(net: dict) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({k: int(net[k]) for k in ("n_exc", "n_inh", "n_thalamic")}, sort_keys=True).encode())
    for name in COMPILED_ARRAYS:
        a = np.ascontiguousarray(net[name])
        h.update(f"{name}:{a.dtype.str}:{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def project_key(spec: dict, net: dict) -> str:
    return hashlib.sha256(json.dumps({"spec": spec, "network": _net_digest(net)}, sort_keys=True).encode()).hexdigest()


@contextlib.contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def make_args() -> list[str]:
    """Brian2's ``make`` arguments: as many compile jobs as this job has CPUs (Brian2's default is
    an unbounded ``make -j``), and ``ccache`` in front of the compiler where it is installed. Two
    networks' projects differ in 4 of their 25 source files (the arrays' sizes), so ccache
    compiles the other 21 once for every network; the object files, and so the results, are the
    compiler's own."""
    args = [f"-j{len(os.sched_getaffinity(0))}"]
    if shutil.which("ccache") and os.environ.get(CCACHE_ENV, "1") != "0":
        args.append("CXX=" + shlex.quote(f"ccache {os.environ.get('CXX', 'g++')}"))  # Brian2 runs make in a shell
    return args


def _compile_project(project: Path, spec: dict, net: dict) -> dict:
    """Generate and compile the project in ``project`` (runs in a fresh process: Brian2's
    standalone device is process-global). Returns the manifest."""
    import brian2 as b2

    t0 = time.perf_counter()
    b2.set_device("cpp_standalone", build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = spec["openmp_threads"]
    b2.prefs.devices.cpp_standalone.extra_make_args_unix = make_args()
    b2.defaultclock.dt = spec["dt_ms"] * b2.ms
    objects = _define_model(b2, net, spec)
    network = b2.Network(*objects.values())
    network.run(spec["t_stop_ms"] * b2.ms)
    t1 = time.perf_counter()
    b2.device.build(directory=str(project), compile=True, run=False, with_output=False)
    t2 = time.perf_counter()

    def result(obj, var):
        v = objects[obj].variables[var]
        return {"file": b2.device.get_array_filename(v), "dtype": np.dtype(v.dtype).str}

    return {
        "spec": spec,
        "n_exc": int(net["n_exc"]),
        "n_inh": int(net["n_inh"]),
        "results": {
            "spike_i": result("spikes", "i"),
            "spike_t": result("spikes", "t"),
            **{
                f"trace_{name}": result("traces", var)
                for name, (var, _scale) in synapses(spec["model"])["traced"].items()
                if "traces" in objects
            },
        },
        "run_args": {
            "w_exc": "from_exc.w",
            "w_inh": "from_inh.w",
            **({"w_thalamus": "from_thalamus.w", "input": f"{TIMED_ARRAY}.values"} if "thalamus" in objects else {}),
        },
        "w_unit": float(weight(spec["model"], 1.0, "excitatory")),  # 1 nS or 1 pA in SI units
        "input_dtype": (
            np.dtype(objects["thalamus"].namespace[TIMED_ARRAY].values.dtype).str if "thalamus" in objects else None
        ),
        "binary": "main",
        "timings_s": {"generate": t1 - t0, "compile": t2 - t1},
        "make_args": make_args(),
        "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(),
        "host": platform.node(),
    }


def _prune(project: Path) -> None:
    """Drop the object files; the binary, static arrays and sources stay."""
    for o in project.rglob("*.o"):
        o.unlink()


class Brian2StandaloneEngine(Engine):
    """Compile once per network (cached across processes), rerun per weight set."""

    name = "brian2-standalone"
    models = ("coba", "cuba", "hh-coba")
    section = config_section = "brian2"  # reads brian2.method; brian2.codegen_target does not apply
    summary = "brian2-native's model compiled by Brian2's C++ standalone mode, rerun per weight set with run_args"

    resources: dict = {}
    can_reweight = True  # every run of the binary starts from the compiled initial state
    input_step_offset = 1  # as brian2-native: the input arrives at the same step
    requires = ("brian2",)
    warm_up = True  # compiles a project per network size and code (cached on disk)

    @classmethod
    def integration_scheme(cls, spec) -> str:
        return str(spec.section.get("method", "exponential_euler")).replace("_", " ").replace("euler", "Euler")

    def __init__(self, params, work_dir=None):
        """``params``: a :class:`~vabench.backends.base.RunSpec` (the driver's) or the validated
        config dict. ``work_dir``: where run files go (default: the spec's, else a temp dir)."""
        self.spec = params if isinstance(params, RunSpec) else RunSpec.from_params(params, self.section, work_dir)
        work_dir = work_dir or self.spec.work_dir
        self.cache_root = cache_root()
        self.threads = max(int(self.spec.threads or 1), 1)
        self._own_work = work_dir is None
        # absolute: the binary runs in the project's folder and writes where --results_dir says
        self.work_dir = Path(tempfile.mkdtemp(prefix="vabench-b2sa-")) if work_dir is None else Path(work_dir).resolve()
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.project_dir: Path | None = None
        self.manifest: dict | None = None
        self.key = self.cached = None
        self.compile_s = 0.0
        self._weights = self._input_file = self._spikes = self._traces = None
        self.timings: dict = {}

    @classmethod
    def check_config(cls, cfg: dict) -> str | None:
        return None

    # ---- build -------------------------------------------------------------------------
    def build(self, net: dict, g_exc_nS, g_inh_nS) -> None:
        """Find (or compile, once across processes) the project of ``net``; set the weights."""
        t0 = time.perf_counter()
        spec = _spec(self.spec, net)
        self.key = project_key(spec, net)
        project = self.cache_root / self.key
        with _locked(self.cache_root / f"{self.key}.lock"):
            self.cached = (project / MANIFEST).is_file()
            if not self.cached:
                self._compile(project, spec, net)
        self.project_dir = project
        self.manifest = json.loads((project / MANIFEST).read_text())
        self.compile_s = 0.0 if self.cached else self.manifest["timings_s"]["process"]
        if self._input_file is not None:  # a rebuild in the same engine (another network)
            with contextlib.suppress(OSError):
                self._input_file.unlink()
        self._input_file = self._write_input(net, spec) if int(net["n_thalamic"]) else None
        self.reweight(g_exc_nS, g_inh_nS)
        self.timings["build_s"] = time.perf_counter() - t0
        log.info(
            "brian2-standalone: %s project %s in %.1f s",
            "reused" if self.cached else "compiled",
            project,
            self.timings["build_s"],
        )

    def _compile(self, project: Path, spec: dict, net: dict) -> None:
        """Compile into a temporary directory beside the project, then rename it into place
        (the caller holds the project's lock)."""
        root = self.cache_root
        for stale in root.glob(f".build-{self.key[:16]}-*"):  # left by a killed build
            shutil.rmtree(stale, ignore_errors=True)
        if project.exists():  # without a manifest: not a project of ours (rename is atomic)
            shutil.rmtree(project)
        tmp = Path(tempfile.mkdtemp(prefix=f".build-{self.key[:16]}-", dir=root))
        try:
            inputs = tmp / "_vabench_input"
            inputs.mkdir()
            np.savez(
                inputs / "net.npz",
                **{k: np.asarray(net[k]) for k in (*COMPILED_ARRAYS, "n_exc", "n_inh", "n_thalamic")},
            )
            (inputs / "spec.json").write_text(json.dumps(spec))
            env = dict(os.environ)
            pkg_parent = str(Path(__file__).resolve().parents[2])  # holds the vabench package
            env["PYTHONPATH"] = os.pathsep.join(p for p in (pkg_parent, env.get("PYTHONPATH")) if p)
            t0 = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", __name__, "compile", str(tmp)], env=env, capture_output=True, text=True
            )
            if proc.returncode != 0 or not (tmp / MANIFEST).is_file():
                raise RuntimeError(
                    f"brian2-standalone: compiling the project failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
                )
            shutil.rmtree(inputs)
            _prune(tmp)
            manifest = json.loads((tmp / MANIFEST).read_text())
            manifest["timings_s"]["process"] = time.perf_counter() - t0
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1))
            os.rename(tmp, project)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def _write_input(self, net: dict, spec: dict) -> Path:
        """The stored thalamic spikes as the TimedArray's values (:func:`_input_values`), in
        this engine's work directory."""
        values = _input_values(
            net["thalamic_time_ms"],
            net["thalamic_source"],
            spec["stim_shape"],
            spec["dt_ms"],
            spec["t_stop_ms"],
            self.manifest["input_dtype"],
        )
        path = (
            self.work_dir
            / f"b2sa-input-{hashlib.sha256(values.tobytes()).hexdigest()[:16]}-{os.getpid()}-{id(self)}.dat"
        )
        values.tofile(path)
        return path

    def reweight(self, g_exc_nS, g_inh_nS) -> None:
        """The next run uses these weights, from the initial state: exactly a fresh run."""
        self._weights = (float(g_exc_nS), float(g_inh_nS))
        self._spikes = self._traces = None

    # ---- run ---------------------------------------------------------------------------
    def _run_args(self) -> list[str]:
        """Brian2's run_args command line: ``group.var=value`` (a value or a file)."""
        m = self.manifest
        sign = synapses(m["spec"]["model"])["sign"]
        weights = {
            "w_exc": (self._weights[0], "excitatory"),
            "w_inh": (self._weights[1], "inhibitory"),
            "w_thalamus": (float(self.spec.weight_thal_nS), "excitatory"),
        }
        # w * unit as brian2-native computes its namespace constant (without importing Brian2 here);
        # repr round-trips through atof
        args = [
            f"{m['run_args'][k]}={sign[receptor] * float(np.float64(w) * m['w_unit'])!r}"
            for k, (w, receptor) in weights.items()
            if k in m["run_args"]
        ]
        if "input" in m["run_args"]:
            args.append(f"{m['run_args']['input']}={self._input_file.resolve()}")
        return args

    def run(self, t_stop_ms=None) -> None:
        """Run the binary once with the current weights, from t=0, to ``t_stop_ms`` (default and
        at most: the compiled ``simulation.t_stop_ms``; shorter runs are the compiled run cut)."""
        if self.manifest is None:
            raise RuntimeError("build() first")
        compiled = self.manifest["spec"]["t_stop_ms"]
        t_stop = compiled if t_stop_ms is None else float(t_stop_ms)
        if t_stop > compiled + 1e-9:
            raise ValueError(
                f"brian2-standalone: the project was compiled for {compiled} ms; an engine with "
                f"simulation.t_stop_ms >= {t_stop} compiles another"
            )
        results = Path(tempfile.mkdtemp(prefix="b2sa-results-", dir=self.work_dir))
        try:
            t0 = time.perf_counter()
            proc = subprocess.run(
                [str(self.project_dir / self.manifest["binary"]), "--results_dir", f"{results}/", *self._run_args()],
                cwd=self.project_dir,
                capture_output=True,
                text=True,
            )
            self.timings["run_s"] = time.perf_counter() - t0
            # a run_arg file of the wrong size is only reported on stderr (Brian2 2.9 goes on)
            if proc.returncode != 0 or proc.stderr.strip():
                raise RuntimeError(
                    f"brian2-standalone: the binary failed ({proc.returncode}) in {self.project_dir}:\n"
                    f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
                )
            if not any(results.iterdir()):  # a wrong results path would read as a silent network
                raise RuntimeError(f"brian2-standalone: the binary wrote no results into {results}")
            t0 = time.perf_counter()
            self._read(results, t_stop)
            self.timings["read_s"] = time.perf_counter() - t0
        finally:
            shutil.rmtree(results, ignore_errors=True)

    def _read(self, results: Path, t_stop_ms: float) -> None:
        m, spec = self.manifest, self.manifest["spec"]

        def load(what):
            f = m["results"][what]
            path = results / f["file"]  # Brian2 writes no file content for an empty dynamic array
            return np.fromfile(path, dtype=np.dtype(f["dtype"])) if path.exists() else np.empty(0, np.dtype(f["dtype"]))

        dt_ms = spec["dt_ms"]
        n_steps = int(round(t_stop_ms / dt_ms))
        cells, t_s = load("spike_i"), load("spike_t")
        keep = np.round(t_s / (dt_ms * 1e-3)) < n_steps
        cells, times = cells[keep].astype(np.int32), t_s[keep] * 1e3  # s -> ms, as brian2-native
        n_exc = m["n_exc"]
        exc = cells < n_exc
        self._spikes = {"exc": (cells[exc], times[exc]), "inh": ((cells[~exc] - n_exc).astype(np.int32), times[~exc])}
        k_exc, k_inh = spec["n_traced_exc"], spec["n_traced_inh"]
        self._traces = {}
        if k_exc + k_inh:
            self._traces = {"exc": {}, "inh": {}}
            for name, (_var, scale) in synapses(spec["model"])["traced"].items():
                data = (
                    load(f"trace_{name}").reshape(-1, k_exc + k_inh)[:n_steps] * scale
                )  # samples x traced (exc, then inh)
                self._traces["exc"][name] = data[:, :k_exc]
                self._traces["inh"][name] = data[:, k_exc:]

    def spikes(self) -> dict:
        """``{"exc": (cells int32, times_ms float64), "inh": ...}``, cells counted within the population."""
        if self._spikes is None:
            raise RuntimeError("run() first")
        return self._spikes

    def traces(self) -> dict:
        """``{pop: {"v": samples x k (mV), "gsyn_exc": (uS), "gsyn_inh": (uS)}}`` of the first
        k = min(record.n_traced, population size) cells, one sample per step from t=0
        (``trace_dt_ms``); {} when nothing is traced. Brian2NativeEngine.traces's arrays."""
        if self._traces is None:
            raise RuntimeError("run() first")
        return self._traces

    def single_cells(self, scenarios: dict, seed: int) -> dict:
        """The single-cell scenarios through this engine's model (:func:`_define_single_cells`):
        compiled by Brian2's C++ standalone device in a temporary directory of this engine's
        work directory (not cached: ~10-30 s), then run once with the weights and the stored
        input spikes as ``run_args``, as every network run is. Sets the process-global Brian2
        device for the build and resets it after (call in a fresh process, as
        :func:`vabench.scenarios.run_backend_subprocess` does)."""
        import brian2 as b2
        from brian2.devices.device import reset_device

        s, labels = self.spec, list(scenarios)
        spec = {
            "model": s.model,
            "cell": {k: float(v) for k, v in s.cell_params.items()},
            "method": s.section.get("method", "exponential_euler"),
            "dt_ms": float(s.dt_ms),
            "delay_ms": float(s.delay_ms),
            "t_stop_ms": float(s.t_stop_ms),
            "stim_shape": [_stim_rows({}, float(s.dt_ms), float(s.t_stop_ms)), len(labels)],
        }
        fed = [k for k, lb in enumerate(labels) if scenarios[lb]["weight_nS"]]
        with tempfile.TemporaryDirectory(prefix="b2sa-cells-", dir=self.work_dir) as tmp:
            b2.set_device("cpp_standalone", build_on_run=False)
            try:
                b2.prefs.devices.cpp_standalone.openmp_threads = 0
                b2.prefs.devices.cpp_standalone.extra_make_args_unix = make_args()
                b2.defaultclock.dt = spec["dt_ms"] * b2.ms
                b2.seed(seed)
                objects = _define_single_cells(b2, scenarios, spec)
                b2.Network(*objects.values()).run(spec["t_stop_ms"] * b2.ms)
                stim = objects["thalamus"].namespace[TIMED_ARRAY]
                values = _input_values(
                    [scenarios[labels[k]]["spike_ms"] for k in fed],
                    fed,
                    spec["stim_shape"],
                    spec["dt_ms"],
                    spec["t_stop_ms"],
                    stim.values.dtype,
                )
                # as brian2-native computes its namespace constant
                run_args = {
                    objects[f"input_{k}"].w: weight(spec["model"], weight_nS, receptor)
                    for k, (receptor, weight_nS, _) in enumerate(_single_cell_projections(scenarios))
                }
                run_args[stim] = values
                b2.device.build(directory=tmp, compile=True, run=True, with_output=False, run_args=run_args)
                mon, spike_mon = objects["traces"], objects["spikes"]
                t, v = np.asarray(mon.t_[:]) * 1e3, np.asarray(mon.v_[:]) * 1e3  # s -> ms, V -> mV
                cells, spike_t = np.asarray(spike_mon.i_[:]), np.asarray(spike_mon.t_[:]) * 1e3
            finally:
                b2.device.reinit()
                reset_device()
        return {
            label: {"t": t.tolist(), "v": v[k].tolist(), "spikes": spike_t[cells == k].tolist()}
            for k, label in enumerate(labels)
        }

    # ---- what the engine says about itself -------------------------------------------------
    def versions(self) -> dict:
        return package_versions("brian2", "numpy")

    def info(self) -> dict:
        spec = (self.manifest or {}).get("spec", {})
        return {
            "versions": self.versions(),
            "compile_s": self.compile_s,
            "cached": self.cached,
            "project_dir": str(self.project_dir) if self.project_dir else None,
            "project_key": self.key,
            "threads": self.threads,
            "openmp_threads": spec.get("openmp_threads"),
            "method": spec.get("method"),
            "compiled_t_stop_ms": spec.get("t_stop_ms"),
            "timings_s": dict(self.timings),
        }

    def teardown(self) -> None:
        self._spikes = self._traces = None

    def close(self) -> None:
        """Delete this engine's run files (the compiled project stays in the cache)."""
        self.teardown()
        if self._own_work:
            shutil.rmtree(self.work_dir, ignore_errors=True)
        elif self._input_file is not None:
            with contextlib.suppress(OSError):
                self._input_file.unlink()
        self._input_file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _main(argv: list[str]) -> int:
    """``python -m vabench.backends.brian2standalone_backend compile DIR``: compile the project
    described by DIR/_vabench_input into DIR (the engine's build subprocess)."""
    if len(argv) != 2 or argv[0] != "compile":
        print("usage: python -m vabench.backends.brian2standalone_backend compile DIR", file=sys.stderr)
        return 2
    project = Path(argv[1])
    inputs = project / "_vabench_input"
    spec = json.loads((inputs / "spec.json").read_text())
    with np.load(inputs / "net.npz") as z:
        net = {k: z[k] for k in z.files}
    manifest = _compile_project(project, spec, net)
    (project / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
