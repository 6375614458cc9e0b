"""Single-cell scenarios: one IF_cond_exp cell, a known conductance input, every backend.

In the style of PyNN's ``test/system/scenarios``: the same set-up on every simulator, checked
against a high-precision solution of the IF_cond_exp equations. Three pieces:

- :func:`reference`: the IF_cond_exp equations (PyNN units: mV, ms, nF, uS, nA) solved with
  ``scipy.integrate.solve_ivp`` (DOP853, rtol 1e-10, atol 1e-12), each input spike a jump of
  its conductance at its arrival time, a terminal event at the threshold crossing, then
  reset and a refractory clamp, sampled on the simulator's time grid;
- :func:`run_backend`: the scenarios on one backend in this process, through its engine's
  ``single_cells`` (:mod:`vabench.backends.base`): the PyNN engines use their own
  ``import_sim()``, ``setup()`` and ``make_projection()`` (so the benchmark's quirks apply:
  NEST's on-grid spike generators, Brian2's vectorised connect); the Brian2 engines use
  their own equations and build their groups the way they do in the network;
- :func:`run_backend_subprocess`: the same in a fresh Python process (``python -m
  vabench.scenarios``), because NEST, NEURON and Brian2 keep global state that does not mix.

A scenario is one cell fed by one stored input spike (a ``SpikeSourceArray`` with one spike,
synaptic delay ``delay_ms``); all scenarios of a run are independent cells of one network.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from vabench.backends import RunSpec, engines, get_engine

# name -> receptor, weight (nS), time of the stored input spike (ms).
# - exc: subthreshold excitatory spike (peak +8.6 mV, 1.4 mV below threshold);
# - inh: inhibitory spike at the benchmark's g_inh (51 nS; trough -12.9 mV);
# - fire: a single suprathreshold excitatory spike at the benchmark's thalamic weight
#   (stimulus.weight_nS, 100 nS): the cell fires twice (10.58, 16.83 ms). The current step is
#   STEP_SCENARIOS below.
SCENARIOS = {
    "exc": {"receptor": "excitatory", "weight_nS": 10.0, "spike_ms": 10.0},
    "inh": {"receptor": "inhibitory", "weight_nS": 51.0, "spike_ms": 10.0},
    "fire": {"receptor": "excitatory", "weight_nS": 100.0, "spike_ms": 10.0},
}

# A current step: IF_cond_exp's i_offset switched on at t = 0 (0.15 nA, 15 mV above rest at steady
# state), no input spike. The cell fires at 21.97 ms and 48.94 ms (closed form: tau_m ln 3, then
# after the refractory clamp again). No event delivery is involved, so no step offset applies.
STEP_SCENARIOS = {
    "step": {"receptor": "excitatory", "weight_nS": 0.0, "spike_ms": 0.0, "i_offset_nA": 0.15},
}

# The refractory clamp: a 1 nA step drives the cell from v_reset to threshold in
# tau_m ln((v_inf - v_reset) / (v_inf - v_thresh)) = 2.107 ms (v_inf = v_rest + i tau_m / c_m = 40 mV),
# so it fires every tau_refrac + 2.107 ms: 7.107 ms. On a grid the ISI is the first step at or
# after that (NEST, NEURON); an ISI one step shorter means a clamp one step short.
CLAMP_SCENARIOS = {
    "clamp": {"receptor": "excitatory", "weight_nS": 0.0, "spike_ms": 0.0, "i_offset_nA": 1.0},
}


def clamped_isi_ms(cell: dict, dt_ms: float, t_stop_ms: float = 60.0) -> float:
    """The ISI of CLAMP_SCENARIOS["clamp"] on a grid of ``dt_ms``: the first step at or after the
    reference's (:func:`reference_for`, a clamp of exactly tau_refrac) ISI."""
    spikes = reference_for(cell, CLAMP_SCENARIOS["clamp"], 0.0, dt_ms, t_stop_ms)["spikes"]
    return float(np.ceil(np.diff(spikes)[0] / dt_ms - 1e-9) * dt_ms)


# Stored spike times (ms) for the input-timing check: off the binary grid on purpose (10.3 and
# 0.1-multiples are not exact binary floats), so float rounding of time + delay would show.
TIMING_SPIKES_MS = (3.3, 7.7, 10.0, 12.9, 25.1, 33.3, 40.6)

# The step at whose start each backend applies the conductance jump of a stored input spike,
# counted from step round((spike time + delay) / dt); measured by tests/test_single_cell.py
# (the same at every time in TIMING_SPIKES_MS and at delays 0.1, 0.2 and 1.0 ms). Brian2
# (PyNN and native) delivers the spike in the synapses slot of that step, after the state
# update, so v feels it one step later; it also stamps an output spike at the start of the
# step in which v crossed, and the two offsets cancel in reported spike times.
# Declared by each engine (``Engine.input_step_offset``); the engines that can run single cells.
INPUT_STEP_OFFSET = {name: cls.input_step_offset for name, cls in engines().items() if cls.single_cells_supported()}


def timing_scenarios(times_ms=TIMING_SPIKES_MS, weight_nS: float = 10.0) -> dict:
    """One subthreshold excitatory cell per stored spike time, named ``timing_<k>``."""
    return {
        f"timing_{k}": {"receptor": "excitatory", "weight_nS": weight_nS, "spike_ms": float(t)}
        for k, t in enumerate(times_ms)
    }


def input_step_offset(t_ms, v_mV, spike_ms: float, delay_ms: float, dt_ms: float, v_rest: float, tol_mV: float = 1e-6):
    """Steps after step round((spike + delay) / dt) at whose start the input took effect.

    The first sample where v departs from rest (by more than ``tol_mV``) is the end of the
    first step that felt the conductance jump, so the jump was applied at the start of the
    step before it: 0 means exactly at spike time + delay. None if v never departs.
    """
    k = np.round(np.asarray(t_ms) / dt_ms).astype(int)
    moved = np.flatnonzero(np.abs(np.asarray(v_mV) - v_rest) > tol_mV)
    if not len(moved):
        return None
    return int(k[moved[0]] - 1 - round((spike_ms + delay_ms) / dt_ms))


RTOL, ATOL = 1e-10, 1e-12
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)


# ---------------------------------------------------------------------------- reference solution


def reference(
    cell: dict, inputs, t_stop_ms: float, dt_ms: float, v_init_mV: float | None = None, i_offset_nA: float = 0.0
) -> dict:
    """High-precision IF_cond_exp trajectory, sampled at ``k * dt_ms`` for k = 0 .. t_stop/dt.

    ``inputs``: (arrival time in ms, weight in nS, ``"excitatory"`` | ``"inhibitory"``); each
    adds its weight to g_exc or g_inh at its arrival time. Between events::

        cm dv/dt = cm (v_rest - v) / tau_m + g_exc (e_rev_E - v) + g_inh (e_rev_I - v) + i_offset
        dg_x/dt = -g_x / tau_syn_x

    At v = v_thresh (upward, an event of the integrator) a spike is recorded, v is set to
    v_reset and held there for tau_refrac while the conductances go on decaying. Returns
    ``t`` and ``v`` (mV) on the grid and ``spikes`` (ms, exact crossing times).
    """
    from scipy.integrate import solve_ivp

    c = {k: float(v) for k, v in cell.items()}
    g_leak = c["cm"] / c["tau_m"]  # uS

    def rhs(_t, y, clamped):
        v, ge, gi = y
        dv = (
            0.0
            if clamped
            else (g_leak * (c["v_rest"] - v) + ge * (c["e_rev_E"] - v) + gi * (c["e_rev_I"] - v) + i_offset_nA)
            / c["cm"]
        )
        return [dv, -ge / c["tau_syn_E"], -gi / c["tau_syn_I"]]

    def threshold(_t, y, clamped):
        return y[0] - c["v_thresh"]

    threshold.terminal, threshold.direction = True, 1.0

    n = int(round(t_stop_ms / dt_ms))
    grid = np.arange(n + 1) * dt_ms
    v_out = np.full(n + 1, np.nan)
    jumps = sorted((float(t), float(w) * 1e-3, 1 if r == "excitatory" else 2) for t, w, r in inputs)
    y = np.array([c["v_rest"] if v_init_mV is None else float(v_init_mV), 0.0, 0.0])
    t, refractory_until, spikes = 0.0, -np.inf, []
    while t < t_stop_ms:
        while jumps and jumps[0][0] <= t:  # conductance jumps due now
            _, w, idx = jumps.pop(0)
            y[idx] += w
        clamped = t < refractory_until
        t_end = min([t_stop_ms] + [j[0] for j in jumps[:1]] + ([refractory_until] if clamped else []))
        sol = solve_ivp(
            rhs,
            (t, t_end),
            y,
            method="DOP853",
            rtol=RTOL,
            atol=ATOL,
            dense_output=True,
            events=None if clamped else threshold,
            args=(clamped,),
        )
        t_seg_end = float(sol.t[-1])
        # samples in [t, t_seg_end) belong to this segment; the last one also takes t_stop
        upper = t_seg_end + (1e-9 if t_seg_end >= t_stop_ms else -1e-9)
        k = np.flatnonzero((grid >= t - 1e-9) & (grid < upper) & np.isnan(v_out))
        if len(k):
            v_out[k] = sol.sol(grid[k])[0]
        y = sol.y[:, -1].copy()
        if sol.status == 1:  # threshold crossed
            spikes.append(t_seg_end)
            y[0] = c["v_reset"]
            refractory_until = t_seg_end + c["tau_refrac"]
            # a sample exactly at the crossing already counts as reset
        t = t_seg_end
    v_out[np.isnan(v_out)] = y[0]
    return {"t": grid, "v": v_out, "spikes": np.asarray(spikes)}


def reference_for(
    cell: dict, scenario: dict, delay_ms: float, dt_ms: float, t_stop_ms: float, offset_steps: int = 0
) -> dict:
    """:func:`reference` for one scenario, its spike arriving ``offset_steps`` steps after
    spike time + delay (the step a backend applies it at, :data:`INPUT_STEP_OFFSET`)."""
    arrival = scenario["spike_ms"] + delay_ms + offset_steps * dt_ms
    inputs = [(arrival, scenario["weight_nS"], scenario["receptor"])] if scenario["weight_nS"] else []
    return reference(cell, inputs, t_stop_ms, dt_ms, i_offset_nA=scenario.get("i_offset_nA", 0.0))


def hh_reference(cell: dict, i_offset_nA: float, t_stop_ms: float, threshold_mV: float = -20.0) -> np.ndarray:
    """Spike times (ms) of one Traub-Miles cell (HH_cond_exp, no synaptic input) under a constant
    current from t=0, started at e_rev_leak with its gates at their steady state: the equations of
    :data:`vabench.backends.brian2_models.HH_EQUATIONS` by DOP853 at rtol 1e-9, a spike being an
    upward crossing of ``threshold_mV`` (the fine-step reference the engines' steps are judged by)."""
    from scipy.integrate import solve_ivp

    from vabench.backends.brian2_models import hh_rates, initial_state

    c = {k: float(v) for k, v in cell.items() if not isinstance(v, list)}

    def rates(v):
        return hh_rates(v, c["v_offset"])

    def rhs(_t, y):
        v, m, h, n = y
        am, bm, ah, bh, an, bn = rates(v)
        i_ion = (
            c["g_leak"] * (c["e_rev_leak"] - v)
            - c["gbar_Na"] * m**3 * h * (v - c["e_rev_Na"])
            - c["gbar_K"] * n**4 * (v - c["e_rev_K"])
        )
        return [(i_ion + i_offset_nA) / c["cm"], am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n]

    def crossing(_t, y):
        return y[0] - threshold_mV

    crossing.direction = 1.0
    start = initial_state("hh-coba", cell, np.array([c["e_rev_leak"]]))
    y0 = [c["e_rev_leak"]] + [float(start[g][0]) for g in ("m", "h", "n")]
    sol = solve_ivp(rhs, (0.0, t_stop_ms), y0, method="DOP853", rtol=1e-9, atol=1e-9, events=crossing, max_step=0.05)
    return np.asarray(sol.t_events[0])


def cuba_isi_ms(cell: dict, i_offset_nA: float = 0.0) -> float:
    """The ISI (ms) of one CUBA cell (IF_curr_exp, no synaptic input) in closed form: after the
    refractory clamp v relaxes from v_reset towards v_inf = v_rest + i tau_m / cm, which is above
    threshold (CUBA's v_rest already is), and crosses it after tau_m ln((v_inf - v_reset) /
    (v_inf - v_thresh))."""
    v_inf = cell["v_rest"] + i_offset_nA * cell["tau_m"] / cell["cm"]
    if v_inf <= cell["v_thresh"]:
        raise ValueError(f"v_inf {v_inf} mV is not above threshold: the cell does not fire")
    return cell["tau_refrac"] + cell["tau_m"] * math.log((v_inf - cell["v_reset"]) / (v_inf - cell["v_thresh"]))


def v_error(v, v_ref, v_rest: float) -> dict:
    """Error of a v trace against the reference on the same grid.

    ``rel_deflection``: max |v - v_ref| / max |v_ref - v_rest| (the error over the whole
    trace as a fraction of the largest deflection from rest: the strict measure).
    ``rel_pointwise``: max |v - v_ref| / |v_ref|, v in mV (the lenient fallback).
    """
    v, v_ref = np.asarray(v, float), np.asarray(v_ref, float)
    err = np.abs(v - v_ref)
    return {
        "max_abs_mV": float(err.max()),
        "rel_deflection": float(err.max() / np.abs(v_ref - v_rest).max()),
        "rel_pointwise": float((err / np.abs(v_ref)).max()),
    }


# ---------------------------------------------------------------------------- simulators


def missing_modules(backend: str) -> list[str]:
    """The modules ``backend`` needs that are not installed (found without importing them)."""
    import importlib.util

    return [m for m in get_engine(backend).requires if importlib.util.find_spec(m) is None]


def run_backend(
    backend: str,
    cell: dict,
    scenarios: dict | None = None,
    dt_ms: float = 0.1,
    delay_ms: float = 0.2,
    t_stop_ms: float = 60.0,
    seed: int = 1,
    brian2: dict | None = None,
    model: str = "coba",
) -> dict:
    """Run every scenario (one cell each) on ``backend`` in this process.

    Returns ``{scenario: {"t": [...ms], "v": [...mV], "spikes": [...ms]}}``. Call once per
    process: simulators keep global state (see :func:`run_backend_subprocess`).
    """
    scenarios = SCENARIOS if scenarios is None else scenarios
    cls = get_engine(backend)
    section = (
        {"method": "exponential_euler", "codegen_target": "numpy", **(brian2 or {})} if cls.section == "brian2" else {}
    )
    spec = RunSpec(
        cell=dict(cell),
        weight_thal_nS=0.0,
        dt_ms=dt_ms,
        delay_ms=delay_ms,
        t_stop_ms=t_stop_ms,
        section=section,
        model=model,
    )
    engine = cls(spec)
    try:
        return engine.single_cells(scenarios, seed)
    finally:
        engine.close()


def run_backend_subprocess(
    backend: str, cell: dict, scenarios: dict | None = None, timeout_s: float = 300, **kwargs
) -> dict:
    """:func:`run_backend` in a fresh ``python -m vabench.scenarios`` process; arrays as numpy."""
    request = {"backend": backend, "cell": cell, "scenarios": SCENARIOS if scenarios is None else scenarios, **kwargs}
    with tempfile.TemporaryDirectory() as tmp:
        req, res = Path(tmp) / "request.json", Path(tmp) / "result.json"
        req.write_text(json.dumps(request))
        proc = subprocess.run(
            [sys.executable, "-m", "vabench.scenarios", str(req), str(res)],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            # the package's folder on the path: a Snakemake script's process has it only in sys.path
            env={
                **os.environ,
                "PYTHONUNBUFFERED": "1",
                "PYTHONPATH": os.pathsep.join(filter(None, (_PACKAGE_ROOT, os.environ.get("PYTHONPATH")))),
            },
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{backend} single-cell run failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
        out = json.loads(res.read_text())
    return {label: {k: np.asarray(v, float) for k, v in rec.items()} for label, rec in out.items()}


def main(argv=None) -> int:
    request_path, result_path = (argv if argv is not None else sys.argv[1:])[:2]
    request = json.loads(Path(request_path).read_text())
    out = run_backend(**request)
    Path(result_path).write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
