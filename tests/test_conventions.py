"""The conventions table's measurements on every engine at dt 0.1 and 1 ms (a fresh process per
engine and dt, as the workflow's conventions job runs them), and the phrases a verdict shows."""

import json
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from vabench.backends import get_engine
from vabench.convention_table import differing
from vabench.scenarios import missing_modules
from vabench.simulate import used_params

from conftest import ROOT

ENGINES = ["nest", "neuron", "brian2", "brian2-native", "brian2-standalone"]


def measured(backend, dt_ms, delay_ms, tmp_path):
    cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    cfg["simulation"].update(dt_ms=dt_ms, delay_ms=delay_ms)
    params = used_params({k: cfg[k] for k in ("cell", "stimulus", "simulation", "record", "brian2")}, backend)
    req, out = tmp_path / "params.json", tmp_path / "row.json"
    req.write_text(json.dumps(params))
    proc = subprocess.run(
        [sys.executable, "-m", "vabench.conventions", backend, str(req), str(out), str(tmp_path / "work")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.mark.slow
@pytest.mark.parametrize("backend", ENGINES)
@pytest.mark.parametrize("dt_ms, delay_ms", [(0.1, 0.2), (1.0, 2.0)])
def test_conventions_measured_on_every_engine(backend, dt_ms, delay_ms, tmp_path):
    if missing_modules(backend):
        pytest.skip(f"{backend} not installed")
    row = measured(backend, dt_ms, delay_ms, tmp_path)
    brian2 = backend.startswith("brian2")
    # Brian2 applies a stored input one step late and stamps a spike at the start of its step ...
    assert row["stored_input_delay_ms"] == pytest.approx(delay_ms + (dt_ms if brian2 else 0.0))
    assert row["spike_stamp"] == ("start of step" if brian2 else "end of step")
    # ... so from the step in which a cell crossed threshold its target feels it after d on every engine
    assert row["recurrent_delay_ms"] == pytest.approx(delay_ms)
    # PyNN's Brian2 clamps v one step short of tau_refrac (5 ms); our Brian2 engines give it tau_refrac + dt
    assert row["refractory_clamp_ms"] == pytest.approx(5.0 - dt_ms if backend == "brian2" else 5.0)
    expected = {"brian2-native": "exponential Euler", "brian2-standalone": "exponential Euler"}  # brian2.method
    assert row["integration"] == expected.get(backend, get_engine(backend).integration)


def test_differing_names_each_convention_with_both_values():
    table = pd.DataFrame(
        [
            {
                "backend": "a",
                "stored_input_delay_ms": 2.0,
                "spike_stamp": "end of step",
                "refractory_clamp_ms": 5.0,
            },
            {
                "backend": "b",
                "stored_input_delay_ms": 3.0,
                "spike_stamp": "end of step",
                "refractory_clamp_ms": 4.0,
            },
            {"backend": "c", "stored_input_delay_ms": 2.0, "spike_stamp": None, "refractory_clamp_ms": None},
        ]
    )
    assert differing(table, "a", "b") == ["stored input delay 2 vs 3 ms", "refractory clamp 5 vs 4 ms"]
    assert differing(table, "a", "c") == []  # what was not measured is not named
    assert differing(table, "a", "missing") == []
