"""The conventions of one engine at one dt, measured on single cells (#19 item 6).

Where two simulators of the same stored network differ, the difference is usually a convention
of the simulator, not a bug: when a stored input first moves the conductance, where an output
spike is stamped, how long the refractory clamp holds v, how the equations are integrated. This
module measures them on the engine's own code paths, so the verdict can name them:

- a two-cell network through the engine's network code (:meth:`Engine.simulate` on a stored
  network of three cells): one thalamic spike at 10 ms drives cell 0 over threshold, cell 0
  projects onto cell 1 with a subthreshold weight. From it: the stored input's delay (spike
  time to the first step whose v moved), the output spike's stamp against the exact threshold
  crossing (:func:`vabench.scenarios.reference`), and the recurrent delay (the end of the step
  in which cell 0 crossed threshold to the first step of cell 1 that moved);
- the refractory clamp from :data:`vabench.scenarios.CLAMP_SCENARIOS` (a 1 nA step): the ISI
  on the grid minus the time v takes from reset to threshold;
- the integration scheme as the engine declares it (``Engine.integration``).

Run one engine per process (:func:`measure`, ``python -m vabench.conventions``): simulators
keep global state. The table and the phrases a verdict shows: :mod:`vabench.convention_table`.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import numpy as np

from vabench.backends import RunSpec, get_engine
from vabench.scenarios import (
    CLAMP_SCENARIOS,
    clamped_isi_ms,
    input_step_offset,
    reference,
    run_backend_subprocess,
)

log = logging.getLogger(__name__)

INPUT_MS = 10.0  # the thalamic spike's stored time
INPUT_nS = 100.0  # the benchmark's thalamic weight: cell 0 crosses threshold about 0.4 ms after it arrives
RECURRENT_nS = 10.0  # cell 0 -> cell 1, subthreshold
TOL_mV = 1e-6


def two_cell_network(cell: dict, seed: int = 1) -> dict:
    """A stored network (the layout of :func:`vabench.network.build_network`): exc cell 0 projects
    onto exc cell 1, one thalamic source with one spike at :data:`INPUT_MS` onto cell 0, both at
    rest. Filler cells keep every engine's network code on its usual path (PyNN's Brian2 fails on
    an empty projection or a single source): a third exc cell and two inh cells, one synapse in
    every other projection among them, their v 1 mV below rest (initial values not all equal), and
    a second thalamic source onto them at 35 ms. Nothing reaches cells 0 and 1 but the above."""
    rest = float(cell["v_rest"])
    return {
        "n_exc": 3,
        "n_inh": 2,
        "pre": np.array([0, 2, 3, 4], np.int64),  # e2e 0 -> 1; fillers: e2i 2 -> 3, i2i 3 -> 4, i2e 4 -> 2
        "post": np.array([1, 3, 4, 2], np.int64),
        "v_init_mV": np.array([rest, rest, rest - 1.0, rest, rest - 1.0]),
        "thalamic_source": np.array([0, 1], np.int32),
        "thalamic_time_ms": np.array([INPUT_MS, 35.0]),
        "thalamic_pre": np.array([0, 1, 1], np.int64),
        "thalamic_post": np.array([0, 2, 4], np.int64),
        "n_thalamic": 2,
        "params": {"network": {"seed": int(seed), "n_cells": 5}},
        "perturbation": {},
    }


def first_moved_step_ms(v: np.ndarray, dt_ms: float, v_rest: float) -> float:
    """Start (ms) of the first step at whose end v (sampled from t = 0 every ``dt_ms``) has left
    rest; nan if it never does (:func:`vabench.scenarios.input_step_offset` from t = 0)."""
    v = np.asarray(v, float)
    steps = input_step_offset(np.arange(v.size) * dt_ms, v, 0.0, 0.0, dt_ms, v_rest, TOL_mV)
    return float("nan") if steps is None else float(steps * dt_ms)


def stamp_label(stamp_ms: float, crossing_ms: float, dt_ms: float) -> str:
    """Where on the grid an output spike is stamped, against the exact crossing time."""
    if np.isclose(stamp_ms, np.ceil(crossing_ms / dt_ms - 1e-9) * dt_ms, atol=1e-6):
        return "end of step"
    if np.isclose(stamp_ms, np.floor(crossing_ms / dt_ms + 1e-9) * dt_ms, atol=1e-6):
        return "start of step"
    return f"{stamp_ms - crossing_ms:+.3g} ms from the crossing"


def network_conventions(backend: str, spec: RunSpec, input_delay_ms: float) -> dict:
    """Spike stamp and recurrent delay from the two-cell network, in this process; the stamp is
    judged against the exact crossing of a cell whose input arrived ``input_delay_ms`` after its
    stored time."""
    cls = get_engine(backend)
    spec = RunSpec(
        cell=dict(spec.cell),
        weight_thal_nS=INPUT_nS,
        dt_ms=spec.dt_ms,
        delay_ms=spec.delay_ms,
        t_stop_ms=40.0,
        n_traced=2,
        section=dict(spec.section),
        work_dir=spec.work_dir,
    )
    dt, v_rest = spec.dt_ms, float(spec.cell["v_rest"])
    engine = cls(spec)
    try:
        result = next(iter(engine.simulate(two_cell_network(spec.cell), [(RECURRENT_nS, 0.0)])))
    finally:
        engine.close()
    if result.virtual_run:
        return {"note": "virtual run: no spikes"}
    cells, times = result.spikes["exc"]
    v = np.asarray(result.traces["exc"]["v"], float)  # samples x traced cells
    stamps = np.sort(times[cells == 0])
    moved_1 = first_moved_step_ms(v[:, 1], result.trace_dt_ms, v_rest)
    if not len(stamps):
        return {"note": "the driven cell did not fire"}
    arrival = INPUT_MS + input_delay_ms
    crossing = float(reference(spec.cell, [(arrival, INPUT_nS, "excitatory")], 30.0, dt)["spikes"][0])
    label = stamp_label(float(stamps[0]), crossing, dt)
    # the end of the step in which cell 0 crossed threshold, by where this engine stamps
    crossed_step_end = stamps[0] + (dt if label == "start of step" else 0.0)
    return dict(
        spike_stamp=label,
        stamp_minus_crossing_ms=round(float(stamps[0]) - crossing, 6),
        recurrent_delay_ms=round(moved_1 - crossed_step_end, 9),
        recurrent_delay_from_stamp_ms=round(moved_1 - float(stamps[0]), 9),
    )


def single_cell_conventions(backend: str, spec: RunSpec) -> dict:
    """The stored input delay (a subthreshold spike at :data:`INPUT_MS`: the start of the first
    step whose v moved) and the refractory clamp (tau_refrac plus how much the ISI under a 1 nA
    step differs from the grid ISI of a clamp of exactly tau_refrac,
    :func:`vabench.scenarios.clamped_isi_ms`), in a fresh process. An engine without single
    cells gets its declared input step and no clamp."""
    cls = get_engine(backend)
    if not cls.single_cells_supported():
        return {"stored_input_delay_ms": spec.delay_ms + cls.input_step_offset * spec.dt_ms}
    probe = {"receptor": "excitatory", "weight_nS": RECURRENT_nS, "spike_ms": INPUT_MS}
    rec = run_backend_subprocess(
        backend,
        spec.cell,
        {"probe": probe, **CLAMP_SCENARIOS},
        dt_ms=spec.dt_ms,
        delay_ms=spec.delay_ms,
        brian2=spec.section or None,
    )
    moved = first_moved_step_ms(rec["probe"]["v"], spec.dt_ms, float(spec.cell["v_rest"]))
    isi = np.diff(rec["clamp"]["spikes"])
    clamp = (
        float(spec.cell["tau_refrac"]) + float(isi[0]) - clamped_isi_ms(spec.cell, spec.dt_ms) if len(isi) else np.nan
    )
    return {"stored_input_delay_ms": round(moved - INPUT_MS, 9), "refractory_clamp_ms": round(clamp, 9)}


def measure(backend: str, params: dict, work_dir=None) -> dict:
    """One row: the conventions of ``backend`` at the config's dt and delay (``params``: what a
    simulate job gets, :func:`vabench.config.used_params`)."""
    cls = get_engine(backend)
    spec = RunSpec.from_params(params, cls.section, work_dir)
    row = {"backend": backend, "dt_ms": spec.dt_ms, "delay_ms": spec.delay_ms, "tau_refrac_ms": spec.cell["tau_refrac"]}
    row.update(single_cell_conventions(backend, spec))
    row.update(network_conventions(backend, spec, row["stored_input_delay_ms"]))
    row["integration"] = cls.integration_scheme(spec)
    log.info("%s at dt %g ms: %s", backend, spec.dt_ms, json.dumps(row))
    return row


def main(argv=None) -> int:
    """``python -m vabench.conventions BACKEND PARAMS.json OUT.json [WORK_DIR]``: one engine's row
    (``PARAMS.json``: what a simulate job gets)."""
    args = argv if argv is not None else sys.argv[1:]
    backend, params_path, out_path = args[:3]
    row = measure(backend, json.loads(Path(params_path).read_text()), args[3] if len(args) > 3 else None)
    Path(out_path).write_text(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
