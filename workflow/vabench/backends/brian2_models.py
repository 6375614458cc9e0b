"""The cell models of Brette et al. (2007) as Brian2 equations: one definition that brian2-native
and brian2-standalone both build their NeuronGroup from (:func:`neuron_group_args`).

The variables carry PyNN's names and units (``cell`` is the config's cell section), the
synaptic variables are ``g_exc`` / ``g_inh`` (siemens) or, on current synapses, ``i_exc`` /
``i_inh`` (amp; :func:`synapses`), and every model has a constant ``i_offset``, so the
synapses, monitors and single-cell scenarios are the same code for every model. Adding a model
to both Brian2 engines is one branch of :func:`neuron_group_args` (and of :func:`synapses`
for a new kind of synapse) and its name in their ``models``.
"""

from __future__ import annotations

import numpy as np

# i_offset is IF_cond_exp's constant current (0 in the network; the single-cell current step sets it);
# with it at 0 the tiny network's spikes are bit-identical to the equations without it.
EQUATIONS = """
dv/dt = (v_rest - v) / tau_m + (g_exc * (e_rev_E - v) + g_inh * (e_rev_I - v) + i_offset) / c_m : volt (unless refractory)
dg_exc/dt = -g_exc / tau_syn_E : siemens
dg_inh/dt = -g_inh / tau_syn_I : siemens
i_offset : amp (constant)
"""

# IF_curr_exp: current synapses (an inhibitory weight is negative, as PyNN gives it)
CUBA_EQUATIONS = """
dv/dt = (v_rest - v) / tau_m + (i_exc + i_inh + i_offset) / c_m : volt (unless refractory)
di_exc/dt = -i_exc / tau_syn_E : amp
di_inh/dt = -i_inh / tau_syn_I : amp
i_offset : amp (constant)
"""

# Traub-Miles (PyNN's HH_cond_exp, NEST's hh_cond_exp_traub, Brian2's examples/COBAHH.py),
# the rates written with exprel as in COBAHH.py (finite at their removable singularities)
HH_EQUATIONS = """
dv/dt = (g_leak * (e_rev_leak - v) + g_exc * (e_rev_E - v) + g_inh * (e_rev_I - v) - gbar_Na * m**3 * h * (v - e_rev_Na) - gbar_K * n**4 * (v - e_rev_K) + i_offset) / c_m : volt
dm/dt = alpha_m * (1 - m) - beta_m * m : 1
dn/dt = alpha_n * (1 - n) - beta_n * n : 1
dh/dt = alpha_h * (1 - h) - beta_h * h : 1
dg_exc/dt = -g_exc / tau_syn_E : siemens
dg_inh/dt = -g_inh / tau_syn_I : siemens
alpha_m = 0.32 / mV * 4 * mV / exprel((13 * mV - v + v_offset) / (4 * mV)) / ms : Hz
beta_m = 0.28 / mV * 5 * mV / exprel((v - v_offset - 40 * mV) / (5 * mV)) / ms : Hz
alpha_h = 0.128 * exp((17 * mV - v + v_offset) / (18 * mV)) / ms : Hz
beta_h = 4.0 / (1 + exp((40 * mV - v + v_offset) / (5 * mV))) / ms : Hz
alpha_n = 0.032 / mV * 5 * mV / exprel((15 * mV - v + v_offset) / (5 * mV)) / ms : Hz
beta_n = 0.5 * exp((10 * mV - v + v_offset) / (40 * mV)) / ms : Hz
i_offset : amp (constant)
"""
# A spike is v crossing -20 mV upwards (Brian2's COBAHH.py threshold): the group is
# "refractory" while v stays above it, so every action potential is one spike and nothing is
# clamped or reset. COBAHH.py's own 3 ms refractoriness would drop real spikes: at 6 / 67 nS,
# N=4000, 17 % of NEST's and 9 % of NEURON's ISIs are 2-3 ms. NEST's hh_cond_exp_traub counts a
# falling peak above v_offset + 30 mV with t_ref 2 ms (config/README.md, Benchmarks 2 and 3).
HH_THRESHOLD_mV = -20.0


def refractory(cell: dict, dt_ms: float):
    """The refractory period to give Brian2 so that v is clamped for tau_refrac, as on NEST and
    NEURON. Brian2 stamps a spike at the start of the step in which v crossed threshold and holds
    the cell while timestep(t - lastspike) < timestep(refractory): tau_refrac - dt after the step
    the spike was found in. Measured on one cell under a 1 nA step (exact ISI 7.107 ms): NEST and
    NEURON fire every 7.2 ms at dt 0.1 ms and every 8 ms at dt 1 ms, Brian2 given tau_refrac every
    7.1 and 7 ms (tests/test_single_cell.py); one step more makes Brian2's ISIs NEST's."""
    import brian2 as b2

    return (cell["tau_refrac"] + dt_ms) * b2.ms


def namespace(cell: dict) -> dict:
    """The IF cell parameters (PyNN names and units) as Brian2 quantities, by the names of
    EQUATIONS and CUBA_EQUATIONS (the reversal potentials only where the cell has them: IF_cond_exp)."""
    import brian2 as b2

    out = {
        "v_rest": cell["v_rest"] * b2.mV,
        "tau_m": cell["tau_m"] * b2.ms,
        "c_m": cell["cm"] * b2.nF,
        "tau_syn_E": cell["tau_syn_E"] * b2.ms,
        "tau_syn_I": cell["tau_syn_I"] * b2.ms,
        "v_thresh": cell["v_thresh"] * b2.mV,
        "v_reset": cell["v_reset"] * b2.mV,
    }
    out.update({k: cell[k] * b2.mV for k in ("e_rev_E", "e_rev_I") if k in cell})
    return out


def synapses(model: str) -> dict:
    """How the model's synapses are written: the target variable of each receptor, the Brian2
    unit of a weight, the weight's sign per receptor, and the recorded variables (name in
    traces.npz -> (Brian2 variable, scale of its base unit to mV / uS))."""
    if model == "cuba":
        return {
            "target": {"excitatory": "i_exc", "inhibitory": "i_inh"},
            "unit": "amp",
            "sign": {"excitatory": 1.0, "inhibitory": -1.0},
            "traced": {"v": ("v", 1e3)},
        }
    return {
        "target": {"excitatory": "g_exc", "inhibitory": "g_inh"},
        "unit": "siemens",
        "sign": {"excitatory": 1.0, "inhibitory": 1.0},
        "traced": {"v": ("v", 1e3), "gsyn_exc": ("g_exc", 1e6), "gsyn_inh": ("g_inh", 1e6)},
    }


def weight(model: str, value: float, receptor: str):
    """A config weight (nS, or pA on current synapses) as a Brian2 quantity, signed."""
    import brian2 as b2

    syn = synapses(model)
    return syn["sign"][receptor] * float(value) * (b2.pA if syn["unit"] == "amp" else b2.nS)


def hh_namespace(cell: dict) -> dict:
    """The HH_cond_exp parameters (PyNN names: uS, nF, mV, ms) as Brian2 quantities."""
    import brian2 as b2

    out = {k: cell[k] * b2.uS for k in ("gbar_Na", "gbar_K", "g_leak")}
    out.update({k: cell[k] * b2.mV for k in ("v_offset", "e_rev_Na", "e_rev_K", "e_rev_leak", "e_rev_E", "e_rev_I")})
    out.update(c_m=cell["cm"] * b2.nF, tau_syn_E=cell["tau_syn_E"] * b2.ms, tau_syn_I=cell["tau_syn_I"] * b2.ms)
    return out


# the integrate-and-fire models: one threshold, reset and refractory clamp
IF_EQUATIONS = {"coba": EQUATIONS, "cuba": CUBA_EQUATIONS}


def neuron_group_args(model: str, cell: dict, dt_ms: float) -> dict:
    """NeuronGroup keyword arguments of ``model``: ``model`` (the equations), ``threshold``,
    ``reset``, ``refractory`` and ``namespace``."""
    if model in IF_EQUATIONS:
        return dict(
            model=IF_EQUATIONS[model],
            threshold="v > v_thresh",
            reset="v = v_reset",
            refractory=refractory(cell, dt_ms),
            namespace=namespace(cell),
        )
    if model == "hh-coba":
        return dict(
            model=HH_EQUATIONS,
            threshold=f"v > {HH_THRESHOLD_mV!r} * mV",
            reset=None,
            refractory=f"v > {HH_THRESHOLD_mV!r} * mV",
            namespace=hh_namespace(cell),
        )
    raise ValueError(f"Brian2 has no equations for model {model!r}")


def initial_state(model: str, cell: dict, v_mV) -> dict:
    """Initial values (unitless, in the equations' base units) at membrane potentials ``v_mV``:
    v, and for HH the gates at their steady state at that v (as NEURON's ``finitialize`` sets them)."""
    v_mV = np.asarray(v_mV, dtype=float)
    out = {"v": v_mV * 1e-3}
    if model == "hh-coba":
        am, bm, ah, bh, an, bn = hh_rates(v_mV, float(cell["v_offset"]))
        out.update(m=am / (am + bm), h=ah / (ah + bh), n=an / (an + bn))
    return out


def hh_rates(v_mV, v_offset_mV: float) -> tuple:
    """The Traub-Miles rates of HH_EQUATIONS in numpy (1/ms): alpha_m, beta_m, alpha_h, beta_h,
    alpha_n, beta_n at ``v_mV`` (the gates' steady state here, the fine-step reference in
    :func:`vabench.scenarios.hh_reference`)."""
    u = np.asarray(v_mV, dtype=float) - v_offset_mV
    return (
        _exprel_rate(0.32, 13.0 - u, 4.0),
        _exprel_rate(0.28, u - 40.0, 5.0),
        0.128 * np.exp((17.0 - u) / 18.0),
        4.0 / (1.0 + np.exp((40.0 - u) / 5.0)),
        _exprel_rate(0.032, 15.0 - u, 5.0),
        0.5 * np.exp((10.0 - u) / 40.0),
    )


def _exprel_rate(k: float, x: np.ndarray, s: float) -> np.ndarray:
    """k * x / (exp(x / s) - 1) in 1/ms (k * s at x = 0): k * s / exprel(x / s), as the equations."""
    z = x / s
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.abs(z) < 1e-9, k * s, k * x / np.expm1(z))
