"""The benchmarks of Brette et al. (2007) as config choices (vabench.models): what a run of each
model depends on, and a tiny HH-COBA study through the whole workflow on real simulators."""

import json

import numpy as np
import pandas as pd
import pytest

from vabench.backends.brian2_models import initial_state
from vabench.config import load_config, network_name, network_params, run_params, validate_config, weights_label

from conftest import ROOT, copy_workflow, run_snakemake

TINY_HH = ROOT / "tests" / "data" / "tiny-hh.yaml"


def test_coba_run_params_are_those_before_models():
    cfg = validate_config({})
    params = run_params(cfg)
    assert "model" not in params  # so COBA's runs (and their files) are not recomputed
    assert params["cell"] == cfg["cell"]
    assert network_params(cfg)["v_init_range_mV"] == [cfg["cell"]["v_reset"], cfg["cell"]["v_thresh"]]


def test_hh_run_params_take_the_hh_cell_and_its_initial_range():
    cfg = load_config(ROOT / "config" / "config.yaml", ROOT / "config" / "presets" / "hh-coba.yaml")
    params = run_params(cfg)
    assert params["model"] == "hh-coba" and params["cell"] == cfg["hh_cell"]
    assert network_params(cfg)["v_init_range_mV"] == cfg["hh_cell"]["v_init_mV"]
    # the same seed, another initial v range: another stored network
    assert network_name(cfg) != network_name(validate_config({"weights": [{"g_exc_nS": 6.0, "g_inh_nS": 67.0}]}))


def test_weight_labels_say_the_quantity():
    assert weights_label(4, 51) == "gexc~4.0_ginh~51.0"
    assert weights_label(16.2, 90, "cuba") == "wexc~16.2_winh~90.0"


def test_hh_gates_start_at_their_steady_state():
    cell = validate_config({})["hh_cell"]
    v = np.array([-70.0, -65.0, -60.0, -63.0 + 13.0])  # the last at alpha_m's removable singularity
    state = initial_state("hh-coba", cell, v)
    assert np.allclose(state["v"], v * 1e-3)
    for gate in ("m", "h", "n"):
        assert np.all((state[gate] > 0) & (state[gate] < 1)) and np.all(np.isfinite(state[gate]))
    # at rest sodium activation is small and inactivation mostly open (Traub-Miles)
    assert state["m"][1] < 0.05 and state["h"][1] > 0.9


@pytest.fixture(scope="module")
def hh_study(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("hh"))
    (workdir / "tiny-hh.yaml").write_text(TINY_HH.read_text())
    run_snakemake(workdir, "results/hh-coba/stats/summary.tsv", "--configfile", "tiny-hh.yaml")
    return workdir


@pytest.mark.slow
def test_tiny_hh_study_fires_and_sustains_on_every_engine(hh_study):
    """500 Traub-Miles cells at 6 / 67 nS, 300 ms, seed 2: every engine sustains the activity
    the kick starts (measured: 41-54 Hz excitatory on nest, neuron, brian2-native). The band is
    wide: one network of a chaotic model, not an ensemble."""
    summary = pd.read_csv(hh_study / "results/hh-coba/stats/summary.tsv", sep="\t")
    assert set(summary["backend"]) == {"nest", "neuron", "brian2-native", "brian2-standalone"}
    assert summary["sustained"].all()
    assert summary["rate_hz"].between(10.0, 150.0).all(), summary[["backend", "population", "rate_hz"]]
    assert not (hh_study / "results/runs").exists()  # COBA's folder untouched by an HH study
    run = json.loads(next((hh_study / "results/hh-coba/runs").glob("*/nest/gexc~6.0_ginh~67.0/run.json")).read_text())
    assert run["network_params"]["v_init_range_mV"] == [-70.0, -60.0]


@pytest.mark.slow
def test_standalone_hh_matches_native_spike_for_spike_early(hh_study):
    """brian2-standalone runs brian2-native's HH equations (one definition): the same spikes in
    the first 20 ms (the chaos has not yet separated them; COBA's test asks the same)."""
    runs = hh_study / "results/hh-coba/runs"

    def early(backend):
        path = next(runs.glob(f"*/{backend}/gexc~6.0_ginh~67.0/spikes.parquet"))
        df = pd.read_parquet(path)
        return df[df["time_ms"] < 20.0].sort_values(["population", "time_ms", "cell"]).reset_index(drop=True)

    native, standalone = early("brian2-native"), early("brian2-standalone")
    assert len(native) > 0
    pd.testing.assert_frame_equal(native, standalone)
