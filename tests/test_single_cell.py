"""Single-cell scenarios (as PyNN's test/system/scenarios): one test body per check, run on
every backend, skipped only where that backend's simulator is not installed.

One IF_cond_exp cell (config/config.yaml ``cell:``), dt 0.1 ms, delay 0.2 ms (the benchmark's
values), fed one stored input spike (a SpikeSourceArray with one spike at 10 ms) through the
backend's own projection code; see :mod:`vabench.scenarios` for the scenarios and the
reference, a solve_ivp solution of the IF_cond_exp equations (rtol 1e-10, atol 1e-12, the
conductance jump at the arrival time, an event at the threshold crossing, reset and refractory
clamp). Each backend runs once, in its own process (simulators keep global state), with all
scenarios as independent cells of one network; the runs take ~1-2 s each, brian2-standalone
~15-25 s (it compiles a C++ project of the cells, once per delay).

Relative error of v, two definitions (both reported in the assertion messages):

- strict, ``rel_deflection``: max_t |v - v_ref| / max_t |v_ref - v_rest|;
- fallback, ``rel_pointwise``: max_t |v - v_ref| / |v_ref| (v in mV).

The limit is 0.5 % at dt 0.1 ms. Only NEST meets it in the strict definition (its
iaf_cond_exp integrates with adaptive RKF45: ~1e-9 %); NEURON (fixed-step implicit Euler),
PyNN's Brian2 (forward Euler) and brian2-native (exponential Euler) are first-order at
dt 0.1 ms and are held to the fallback, as is brian2-standalone (brian2-native's model compiled:
its v is brian2-native's to 1e-13 mV). Measured at dt 0.1 ms (strict / fallback):

==================  ============  ============  ==========================  ==========================
backend             exc 10 nS     inh 51 nS     fire 100 nS (to 1st spike)  step 0.15 nA (to 1st spike)
==================  ============  ============  ==========================  ==========================
nest                4e-10 / 6e-11 4e-10 / 7e-11 1e-10 / 2e-11               0 / 0
neuron              0.66 / 0.11 % 0.36 / 0.07 % 1.5 / 0.23 %                0.14 / 0.03 %
brian2              0.78 / 0.13 % 0.84 / 0.16 % 3.5 / 0.55 %  (xfail)       0.14 / 0.03 %
brian2-native       0.91 / 0.15 % 0.26 / 0.05 % 0.93 / 0.14 %              0 / 0
brian2-standalone   0.91 / 0.15 % 0.26 / 0.05 % 0.93 / 0.14 %              0 / 0
==================  ============  ============  ==========================  ==========================

Spikes of the current step (exact 21.972, 48.944 ms): NEST 22.0, 49.0; Brian2 (all three) 21.9, 48.8;
NEURON 22.1, 49.2 ms, its first spike 0.58 % (1.3 steps) late: over the limit, an xfail.

The v traces are compared with the reference whose input arrives at the step where the backend
applies it (:data:`vabench.scenarios.INPUT_STEP_OFFSET`, itself checked by
:func:`test_stored_input_spike_takes_effect_at_the_same_step`): Brian2's one-step-late input
is a timing convention, not integration error (against the unshifted reference Brian2's v is
off by 3.4 % (exc) to 36 % (fire) of the deflection). Spike times are the reported ones,
compared with the unshifted reference.
"""

import numpy as np
import pytest
import yaml

from vabench.scenarios import (
    CLAMP_SCENARIOS,
    INPUT_STEP_OFFSET,
    SCENARIOS,
    STEP_SCENARIOS,
    TIMING_SPIKES_MS,
    clamped_isi_ms,
    input_step_offset,
    missing_modules,
    reference,
    reference_for,
    run_backend_subprocess,
    timing_scenarios,
    v_error,
)

from conftest import ROOT

BACKENDS = ["nest", "neuron", "brian2", "brian2-native", "brian2-standalone"]
# Only the cell section is needed; read as plain YAML so that the test does not depend on the
# rest of the study configuration validating.
CELL = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["cell"]
DT_MS, DELAY_MS, T_STOP_MS = 0.1, 0.2, 60.0
REL_TOL = 0.005
V_ERROR = {
    "nest": "rel_deflection",
    "neuron": "rel_pointwise",
    "brian2": "rel_pointwise",
    "brian2-native": "rel_pointwise",
    "brian2-standalone": "rel_pointwise",
}
ALL_SCENARIOS = {**SCENARIOS, **timing_scenarios()}


@pytest.fixture(scope="module")
def runs():
    """``runs(backend, delay_ms)``: every scenario on one backend, run once in a subprocess."""
    cache = {}

    def get(backend, delay_ms=DELAY_MS):
        missing = missing_modules(backend)
        if missing:
            pytest.skip(f"{backend}: {', '.join(missing)} not installed")
        key = (backend, delay_ms)
        if key not in cache:
            try:
                cache[key] = run_backend_subprocess(
                    backend,
                    CELL,
                    {**ALL_SCENARIOS, **STEP_SCENARIOS, **CLAMP_SCENARIOS},
                    dt_ms=DT_MS,
                    delay_ms=delay_ms,
                    t_stop_ms=T_STOP_MS,
                )
            except Exception as err:  # noqa: BLE001  (remembered so that later tests fail fast)
                cache[key] = err
        if isinstance(cache[key], Exception):
            raise cache[key]
        return cache[key]

    return get


def _on_grid(rec, ref):
    """The backend's samples and the reference at the same grid steps."""
    k = np.round(rec["t"] / DT_MS).astype(int)
    assert np.allclose(rec["t"], k * DT_MS, atol=1e-9), "samples off the dt grid"
    return k, rec["v"], ref["v"][k]


def _within_spike_tol(t, t_ref):
    return abs(t - t_ref) <= max(REL_TOL * t_ref, DT_MS) + 1e-9


# ---------------------------------------------------------------------------- the reference itself


def test_reference_matches_the_closed_form_with_a_current_step():
    """Leak and a constant current only (no conductance): v(t) = v_rest + I R (1 - exp(-t / tau_m)),
    first spike at t* = -tau_m ln(1 - (v_thresh - v_rest) / (I R)), and after each spike v is
    clamped for tau_refrac then relaxes again: spikes at t* + n (tau_refrac + t*). The event
    location of solve_ivp is good to ~3e-8 ms here (4e-10 relative), v to 1e-8 mV."""
    i_nA = 0.15
    r_Mohm = CELL["tau_m"] / CELL["cm"]
    t_star = -CELL["tau_m"] * np.log(1 - (CELL["v_thresh"] - CELL["v_rest"]) / (i_nA * r_Mohm))
    ref = reference(CELL, [], 100.0, DT_MS, i_offset_nA=i_nA)
    expected = t_star + np.arange(4) * (CELL["tau_refrac"] + t_star)
    assert np.allclose(ref["spikes"], expected[expected < 100.0], rtol=0, atol=1e-7)
    before = ref["t"] < t_star
    closed = CELL["v_rest"] + i_nA * r_Mohm * (1 - np.exp(-ref["t"][before] / CELL["tau_m"]))
    assert np.abs(ref["v"][before] - closed).max() < 1e-8
    clamped = (ref["t"] > t_star) & (ref["t"] < t_star + CELL["tau_refrac"])
    assert (ref["v"][clamped] == CELL["v_reset"]).all()


def test_reference_conductance_input_has_the_expected_shape():
    """An excitatory spike depolarises, an inhibitory one hyperpolarises, toward their reversal
    potentials, starting at the arrival time (to float precision: grid time 102 * 0.1 is a hair
    after 10.0 + 0.2); 10 nS stays below threshold."""
    exc = reference_for(CELL, SCENARIOS["exc"], DELAY_MS, DT_MS, T_STOP_MS)
    inh = reference_for(CELL, SCENARIOS["inh"], DELAY_MS, DT_MS, T_STOP_MS)
    arrival = int(round((SCENARIOS["exc"]["spike_ms"] + DELAY_MS) / DT_MS))
    assert (
        np.abs(exc["v"][: arrival + 1] - CELL["v_rest"]).max() < 1e-9 and exc["v"][arrival + 1] > CELL["v_rest"] + 0.1
    )
    assert CELL["v_rest"] + 5 < exc["v"].max() < CELL["v_thresh"] and not len(exc["spikes"])
    assert CELL["e_rev_I"] < inh["v"].min() < CELL["v_rest"] - 5


# ---------------------------------------------------------------------------- backends


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["exc", "inh"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_subthreshold_psp_matches_reference(runs, backend, scenario, record_property):
    """(a) One subthreshold excitatory (10 nS) or inhibitory (51 nS) input spike: v(t) over the
    whole 60 ms trace within 0.5 % of the reference (definition per backend, module docstring)."""
    rec = runs(backend)[scenario]
    ref = reference_for(CELL, SCENARIOS[scenario], DELAY_MS, DT_MS, T_STOP_MS, INPUT_STEP_OFFSET[backend])
    _, v, v_ref = _on_grid(rec, ref)
    err = v_error(v, v_ref, CELL["v_rest"])
    for name, value in err.items():
        record_property(name, value)
    assert not len(rec["spikes"]), rec["spikes"]
    assert err[V_ERROR[backend]] <= REL_TOL, (backend, scenario, err)


@pytest.mark.slow
@pytest.mark.parametrize(
    "backend",
    [
        "nest",
        "neuron",
        pytest.param(
            "brian2",
            marks=pytest.mark.xfail(
                strict=True,
                reason=(
                    "PyNN's Brian2 integrates with forward Euler: before the first spike its v is 0.55 % off the reference "
                    "(|v - v_ref| / |v_ref|; 3.5 % of the deflection) at dt 0.1 ms"
                ),
            ),
        ),
        "brian2-native",
        "brian2-standalone",
    ],
)
def test_suprathreshold_input_v_matches_reference(runs, backend, record_property):
    """(b) The "step": one suprathreshold excitatory spike (100 nS, the benchmark's thalamic
    weight; a spike, not a current step, so that all four backends take the same input path).
    v(t) from 0 up to the reference's first spike within 0.5 % (definition per backend). After
    a spike the traces are not compared: where a backend's grid-stamped spike and the exact one
    fall on different steps, the reset and the end of the refractory clamp differ by a step,
    which is spike timing (checked below), not integration error."""
    rec = runs(backend)["fire"]
    ref = reference_for(CELL, SCENARIOS["fire"], DELAY_MS, DT_MS, T_STOP_MS, INPUT_STEP_OFFSET[backend])
    k, v, v_ref = _on_grid(rec, ref)
    before = k * DT_MS < ref["spikes"][0] - 1e-9
    err = v_error(v[before], v_ref[before], CELL["v_rest"])
    for name, value in err.items():
        record_property(name, value)
    assert err[V_ERROR[backend]] <= REL_TOL, (backend, err)


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_suprathreshold_input_spike_times_match_reference(runs, backend, record_property):
    """(b) The reported spike times against the exact crossings (10.583, 16.835 ms): same count,
    each within max(0.5 % of t_ref, one dt). Measured: NEST and NEURON 10.6, 16.9 ms; Brian2
    (all three) 10.6, 16.8 ms: first spike 0.017 ms late (0.16 %) everywhere, second 0.065 ms late
    (0.39 %) on NEST/NEURON and 0.035 ms early (0.21 %) on Brian2."""
    rec = runs(backend)["fire"]
    ref = reference_for(CELL, SCENARIOS["fire"], DELAY_MS, DT_MS, T_STOP_MS)
    record_property("spikes_ms", rec["spikes"].tolist())
    record_property("reference_spikes_ms", ref["spikes"].tolist())
    assert len(rec["spikes"]) == len(ref["spikes"]) == 2, (rec["spikes"], ref["spikes"])
    for t, t_ref in zip(rec["spikes"], ref["spikes"]):
        assert _within_spike_tol(t, t_ref), (backend, t, t_ref, abs(t - t_ref) / t_ref)


@pytest.mark.slow
@pytest.mark.parametrize(
    "backend",
    [
        "nest",
        pytest.param(
            "neuron",
            marks=pytest.mark.xfail(
                strict=True,
                reason=(
                    "NEURON's fixed-step implicit Euler reports the first spike of the current step at 22.1 ms against "
                    "the exact 21.972 ms: 0.58 %, 1.3 steps late, at dt 0.1 ms (v approaches threshold slowly here)"
                ),
            ),
        ),
        "brian2",
        "brian2-native",
        "brian2-standalone",
    ],
)
def test_current_step_matches_reference(runs, backend, record_property):
    """(b) A current step: i_offset 0.15 nA from t = 0, no input spike. v(t) up to the first
    spike within 0.5 % (definition per backend), and both spikes (21.97, 48.94 ms) within
    max(0.5 %, one dt). No input event is delivered, so no backend's step offset applies."""
    rec = runs(backend)["step"]
    ref = reference_for(CELL, STEP_SCENARIOS["step"], DELAY_MS, DT_MS, T_STOP_MS)
    k, v, v_ref = _on_grid(rec, ref)
    before = k * DT_MS < ref["spikes"][0] - 1e-9
    err = v_error(v[before], v_ref[before], CELL["v_rest"])
    for name, value in err.items():
        record_property(name, value)
    record_property("spikes_ms", rec["spikes"].tolist())
    assert err[V_ERROR[backend]] <= REL_TOL, (backend, err)
    assert len(rec["spikes"]) == len(ref["spikes"]) == 2, (rec["spikes"], ref["spikes"])
    for t, t_ref in zip(rec["spikes"], ref["spikes"]):
        assert _within_spike_tol(t, t_ref), (backend, t, t_ref, abs(t - t_ref) / t_ref)


@pytest.mark.slow
@pytest.mark.parametrize("delay_ms", [DELAY_MS, 1.0])
@pytest.mark.parametrize("backend", BACKENDS)
def test_stored_input_spike_takes_effect_at_the_same_step(runs, backend, delay_ms):
    """Which step a stored input spike (SpikeSourceArray, spike at s, delay d) takes effect at:
    the conductance jump is applied at the start of step round((s + d) / dt) + offset, read off
    the first sample where v leaves rest. Measured at s in TIMING_SPIKES_MS and 10 ms and
    d = 0.2 and 1.0 ms (0.1 ms too, by hand):

    - NEST, NEURON: offset 0, exactly at s + d;
    - Brian2 through PyNN, brian2-native and brian2-standalone: offset 1, one step later (the synapses slot runs
      after the state update, so v first feels the jump in the next step).

    So the stored input does NOT take effect at the same step on every backend. Brian2 also
    stamps an output spike at the start of its step (NEST and NEURON at the end), so the two
    offsets cancel in reported spike times (next test). Not covered: PyNN's NEST backend drops
    a stored spike at or before min_delay (it shifts generator times back by min_delay); e.g.
    a spike at 0.7 ms with d = 1 ms never arrives on NEST but does everywhere else (the
    benchmark's thalamic trains start after the delay for this reason).
    """
    recs = runs(backend, delay_ms)
    offsets = {
        name: input_step_offset(recs[name]["t"], recs[name]["v"], sc["spike_ms"], delay_ms, DT_MS, CELL["v_rest"])
        for name, sc in ALL_SCENARIOS.items()
    }
    assert len(offsets) == len(TIMING_SPIKES_MS) + len(SCENARIOS)
    assert set(offsets.values()) == {INPUT_STEP_OFFSET[backend]}, (backend, delay_ms, offsets)


@pytest.mark.slow
def test_reported_first_spike_time_is_the_same_on_every_backend(runs):
    """Brian2's input one step late and output stamped one step early cancel: the suprathreshold
    input's first spike is reported at the same time (10.6 ms) on every installed backend.

    Not asserted, measured: the second spike (after the 5 ms refractory clamp) is reported at
    16.9 ms on NEST, NEURON, brian2-native and brian2-standalone but 16.8 ms on PyNN's Brian2,
    exact 16.835 ms. The cause is the clamp, not the input's step: PyNN's Brian2 holds v for
    tau_refrac - dt (test_refractory_clamp_lasts_tau_refrac); our Brian2 engines, given
    tau_refrac + dt, release v one step later and fire at 16.9 ms like NEST.
    """
    first = {}
    for backend in BACKENDS:
        if not missing_modules(backend):
            first[backend] = float(runs(backend)["fire"]["spikes"][0])
    if len(first) < 2:
        pytest.skip(f"fewer than two backends installed: {sorted(first)}")
    assert max(first.values()) - min(first.values()) < 1e-6, first


# PyNN's Brian2 backend keeps Brian2's own convention (the clamp one step short); our Brian2
# engines give Brian2 tau_refrac + dt (vabench.backends.brian2native_backend.refractory).
SHORT_CLAMP = pytest.mark.xfail(
    strict=True,
    reason="PyNN's Brian2: clamp tau_refrac - dt (measured ISI 7.1 ms at dt 0.1, 7.0 ms at dt 1 ms; NEST 7.2 and 8)",
)


@pytest.mark.parametrize("dt_ms", [DT_MS, 1.0])
@pytest.mark.parametrize(
    "backend", ["nest", "neuron", pytest.param("brian2", marks=SHORT_CLAMP), "brian2-native", "brian2-standalone"]
)
def test_refractory_clamp_lasts_tau_refrac(runs, backend, dt_ms):
    """Under a 1 nA step the cell fires every tau_refrac + 2.107 ms; on the dt grid, every
    clamped_isi_ms (7.2 ms at dt 0.1, 8 ms at dt 1): the clamp lasts tau_refrac on every engine.
    At dt 1 ms a clamp one step short is 20 % of the shortest ISI (Brian2's excess rate there)."""
    if dt_ms == DT_MS:
        rec = runs(backend)["clamp"]
    else:
        if missing_modules(backend):
            pytest.skip(f"{backend} not installed")
        rec = run_backend_subprocess(backend, CELL, CLAMP_SCENARIOS, dt_ms=dt_ms, delay_ms=1.0, t_stop_ms=60.0)["clamp"]
    isi = np.diff(rec["spikes"])
    assert len(isi) >= 5
    np.testing.assert_allclose(isi, clamped_isi_ms(CELL, dt_ms), atol=1e-6, err_msg=f"{backend} at dt {dt_ms}")
