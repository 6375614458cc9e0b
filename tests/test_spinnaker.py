"""The spinnaker backend without a board: cfg per mode, validation, and a virtual-board run of
the tiny study through the whole workflow."""

import configparser
import json

import pandas as pd
import pytest
import yaml

from vabench.backends.spinnaker_backend import cfg_text
from vabench.config import ConfigError, validate_config

from conftest import TINY, copy_workflow, run_snakemake

SPIN = {
    "mode": "virtual",
    "spalloc_server": None,
    "board_address": None,
    "board_version": 5,
    "neurons_per_core": 50,
    "time_scale_factor": None,
}


def parse(text):
    cfg = configparser.ConfigParser()
    cfg.read_string(text)
    return cfg


@pytest.mark.parametrize(
    "mode, machine",
    [
        ("virtual", {"virtual_board": "True", "version": "5"}),
        ("spalloc", {"spalloc_server": "https://spalloc.example.org/spalloc/"}),
        ("board", {"machine_name": "192.168.240.1", "version": "5"}),
    ],
)
def test_cfg_per_mode_has_the_right_keys_and_no_credentials(tmp_path, monkeypatch, mode, machine):
    monkeypatch.setenv("SPALLOC_USER", "alice")
    monkeypatch.setenv("SPALLOC_PASSWORD", "s3cret-pw")
    spin = dict(SPIN, mode=mode, spalloc_server="https://spalloc.example.org/spalloc/", board_address="192.168.240.1")
    text = cfg_text(spin, tmp_path / "reports")
    cfg = parse(text)
    assert dict(cfg["Machine"]) == machine
    assert cfg["Reports"]["default_report_file_path"] == str((tmp_path / "reports").resolve())
    assert (
        "alice" not in text
        and "s3cret-pw" not in text
        and "password" not in text.lower().replace("spalloc_password", "")
    )


@pytest.mark.parametrize(
    "overrides, key",
    [
        ({"simulation": {"dt_ms": 0.05, "delay_ms": 0.1}}, "simulation.dt_ms"),
        ({"simulation": {"dt_ms": 0.1, "delay_ms": 15.0}}, "simulation.delay_ms"),
        ({"spinnaker": {"mode": "spalloc"}}, "spinnaker.spalloc_server"),
        ({"spinnaker": {"mode": "board"}}, "spinnaker.board_address"),
        (
            {"spinnaker": {"mode": "spalloc", "spalloc_server": "https://bob:pw@host/spalloc/"}},
            "spinnaker.spalloc_server",
        ),
        ({"spinnaker": {"mode": "cloud"}}, "spinnaker.mode"),
        ({"spinnaker": {"board_version": 4}}, "spinnaker.board_version"),
    ],
)
def test_spinnaker_validation_names_the_key(overrides, key):
    with pytest.raises(ConfigError) as err:
        validate_config(dict(overrides, backends=["nest", "spinnaker"]))
    assert key in str(err.value) and "\n" not in str(err.value)


def test_spinnaker_limits_apply_only_when_spinnaker_is_used():
    validate_config({"simulation": {"dt_ms": 0.05, "delay_ms": 15.0}, "spinnaker": {"mode": "board"}})


@pytest.mark.slow
def test_virtual_board_runs_through_the_whole_workflow(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    workdir = copy_workflow(tmp_path_factory.mktemp("spinnaker"))
    cfg = yaml.safe_load(TINY.read_text())
    cfg.update(
        {
            "backends": ["nest", "spinnaker"],
            "weights": [{"g_exc_nS": 8.0, "g_inh_nS": 80.0}],
            "spinnaker": {"mode": "virtual"},
        }
    )
    # the map on the virtual board too: one row of two points, rebuilt per point in one job
    cfg["sweep"] = dict(cfg.get("sweep", {}), backends=["spinnaker"], g_exc_nS=[8.0], g_inh_nS=[40.0, 80.0])
    (workdir / "spin.yaml").write_text(yaml.safe_dump(cfg))
    run_snakemake(workdir, "--configfile", "spin.yaml")

    summary = pd.read_csv(workdir / "results/stats/summary.tsv", sep="\t").fillna("")
    spin = summary[summary.backend == "spinnaker"]
    assert len(spin) == 2 and (spin["note"] == "virtual run: no spikes").all() and (spin["rate_hz"] == 0).all()
    assert (summary[summary.backend == "nest"]["note"] == "").all()
    agreement = pd.read_csv(workdir / "results/stats/agreement.tsv", sep="\t")
    assert (agreement["verdict"] == "not compared").all() and agreement["reason"].str.contains("virtual").all()
    for fig in ("fig24_backends", "state_histograms", "spectra"):
        assert (workdir / "results/figures" / f"{fig}.png").stat().st_size > 10000

    points = pd.read_csv(workdir / "results/sweep/spinnaker/points.tsv", sep="\t")
    assert len(points) == 2 * len(cfg["sweep"].get("seeds", [0])) and points["virtual_run"].all()
    assert (workdir / "results/figures/sustained_activity_spinnaker.png").stat().st_size > 10000
    row = json.loads(next((workdir / "results/sweep/runs").glob("*/spinnaker/*/run.json")).read_text())
    assert row["virtual_run"] is True and row["purpose"] == "map" and row["engine"]["cores_used"] > 0

    run = json.loads(next((workdir / "results/runs").glob("*/spinnaker/*/run.json")).read_text())
    assert run["virtual_run"] is True and run["engine"]["cores_used"] > 0 and run["engine"]["chips_used"] > 0
    assert {"exc", "inh", "thalamus"} <= set(run["engine"]["cores_per_vertex"])
    work = next((workdir / "logs/simulate").glob("*/spinnaker/*.work"))
    assert (work / ".spynnaker.cfg").exists() and (work / "reports").is_dir()
    written = [p for p in home.rglob("*") if "spynnaker" in p.name.lower() or p.name == "reports"]
    assert not written, f"sPyNNaker wrote into the home folder: {written}"  # (matplotlib/snakemake caches are fine)
    assert not (workdir / "reports").exists()


@pytest.mark.slow
def test_virtual_board_maps_cuba(tmp_path_factory, monkeypatch):
    """CUBA (IF_curr_exp, a negative inhibitory current weight) places and routes on a virtual
    board: exc and inh vertices, no thalamus (CUBA's cells fire on their own)."""
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    workdir = copy_workflow(tmp_path_factory.mktemp("spinnaker-cuba"))
    cfg = yaml.safe_load((TINY.parent / "tiny-cuba.yaml").read_text())
    cfg.update({"backends": ["nest", "spinnaker"], "spinnaker": {"mode": "virtual"}})
    (workdir / "spin.yaml").write_text(yaml.safe_dump(cfg))
    run_snakemake(workdir, "results/cuba/stats/summary.tsv", "--configfile", "spin.yaml")
    run = json.loads(next((workdir / "results/cuba/runs").glob("*/spinnaker/*/run.json")).read_text())
    assert run["virtual_run"] is True and run["params"]["model"] == "cuba"
    assert {"exc", "inh"} <= set(run["engine"]["cores_per_vertex"]) and "thalamus" not in run["engine"][
        "cores_per_vertex"
    ]
