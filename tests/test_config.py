"""Configuration: the default, presets and test config validate; bad configs fail early with one
line naming the key, both from Python and when Snakemake parses the workflow (dry runs only)."""

from __future__ import annotations

import copy
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from vabench.config import ConfigError, load_config, load_schema, network_name, validate_config

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO / "config" / "config.yaml"
PRESETS = sorted((REPO / "config" / "presets").glob("*.yaml"))
TINY = REPO / "tests" / "data" / "tiny.yaml"
README = REPO / "config" / "README.md"
PREFIX = "vabench: invalid configuration:"


def _write_yaml(path: Path, data) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _leaves(d: dict, prefix=()):
    for key, value in d.items():
        if isinstance(value, dict):
            yield from _leaves(value, prefix + (key,))
        else:
            yield prefix + (key,), value


def _get(d: dict, path):
    for key in path:
        d = d[key]
    return d


# --- valid configurations -------------------------------------------------------------------


def test_validate_empty_fills_defaults():
    cfg = validate_config({})
    assert cfg["network"]["n_cells"] == 4000
    assert cfg["network"]["exc_fraction"] == 0.8
    assert cfg["weights"] == [{"g_exc_nS": 4.0, "g_inh_nS": 51.0}]
    assert cfg["backends"] == ["nest", "neuron", "brian2", "brian2-native", "brian2-standalone"]
    assert cfg["simulation"] == {"dt_ms": 0.1, "delay_ms": 0.2, "t_stop_ms": 1000.0, "threads": 1}
    assert cfg["record"]["n_traced"] == 100
    assert set(cfg) == set(load_schema()["properties"])
    assert validate_config(None) == cfg


def test_partial_section_keeps_other_defaults_and_input_untouched():
    given = {"network": {"n_cells": 100}}
    cfg = validate_config(given)
    assert given == {"network": {"n_cells": 100}}
    assert cfg["network"] == {"n_cells": 100, "exc_fraction": 0.8, "p_connect": 0.02, "seed": 98765}


def test_default_file_matches_schema_defaults():
    assert load_config(DEFAULT) == validate_config({})


@pytest.mark.parametrize("extra", PRESETS + [TINY], ids=lambda p: p.name)
def test_presets_and_tiny_validate(extra):
    assert PRESETS, "no presets found"
    cfg = load_config(DEFAULT, extra)
    overrides = yaml.safe_load(extra.read_text())
    for path, value in _leaves(overrides):
        assert _get(cfg, path) == value, path
    assert network_name(cfg).startswith(f"N{cfg['network']['n_cells']}_seed{cfg['network']['seed']}_")


def test_not_a_mapping():
    with pytest.raises(ConfigError, match="mapping"):
        validate_config(["network"])


# --- invalid configurations -----------------------------------------------------------------

# (partial config merged over config/config.yaml, substrings the one-line message must contain)
BAD = [
    pytest.param({"network": {"n_cells": -100}}, ["network.n_cells"], id="n_cells-negative"),
    pytest.param({"network": {"n_cells": "4000"}}, ["network.n_cells"], id="n_cells-string"),
    pytest.param({"network": {"n_cells": 1}}, ["network.n_cells"], id="n_cells-below-2"),
    pytest.param({"network": {"n_cells": 4000.5}}, ["network.n_cells"], id="n_cells-fractional"),
    pytest.param({"network": {"seed": -1}}, ["network.seed"], id="seed-negative"),
    pytest.param({"network": {"p_connect": 1.5}}, ["network.p_connect"], id="p_connect-above-1"),
    pytest.param({"network": {"p_connect": 0}}, ["network.p_connect"], id="p_connect-zero"),
    pytest.param({"network": {"exc_fraction": 1.0}}, ["network.exc_fraction"], id="exc_fraction-1"),
    pytest.param({"network": {"exc_fraction": 0}}, ["network.exc_fraction"], id="exc_fraction-0"),
    pytest.param(
        {"network": {"n_cells": 2, "exc_fraction": 0.9}},
        ["network.exc_fraction", "network.n_cells"],
        id="exc_fraction-empties-inh",
    ),
    pytest.param({"network": {"size": 100}}, ["size", "network"], id="unknown-nested-key"),
    pytest.param({"foo": 1}, ["foo"], id="unknown-top-level-key"),
    pytest.param({"cell": {"tau_mem": 20.0}}, ["tau_mem", "cell"], id="unknown-cell-key"),
    pytest.param({"network": [1, 2]}, ["network"], id="section-not-a-mapping"),
    pytest.param({"cell": {"v_thresh": -60.0}}, ["cell.v_thresh", "cell.v_reset"], id="v_thresh-equals-v_reset"),
    pytest.param({"cell": {"v_thresh": -65.0}}, ["cell.v_thresh", "cell.v_reset"], id="v_thresh-below-v_reset"),
    pytest.param({"cell": {"cm": 0}}, ["cell.cm"], id="cm-zero"),
    pytest.param({"cell": {"tau_refrac": -1.0}}, ["cell.tau_refrac"], id="tau_refrac-negative"),
    pytest.param({"stimulus": {"p_connect": -0.1}}, ["stimulus.p_connect"], id="stimulus-p_connect-negative"),
    pytest.param({"stimulus": {"rate_hz": -5}}, ["stimulus.rate_hz"], id="stimulus-rate-negative"),
    pytest.param(
        {"simulation": {"dt_ms": 0.3, "delay_ms": 0.5}},
        ["simulation.delay_ms", "simulation.dt_ms"],
        id="dt-not-dividing-delay",
    ),
    pytest.param({"simulation": {"dt_ms": 0.1, "delay_ms": 0.05}}, ["simulation.delay_ms"], id="delay-below-dt"),
    pytest.param({"simulation": {"dt_ms": 0.1, "delay_ms": 1e-12}}, ["simulation.delay_ms"], id="delay-tiny"),
    pytest.param({"simulation": {"dt_ms": 0}}, ["simulation.dt_ms"], id="dt-zero"),
    pytest.param({"simulation": {"t_stop_ms": 0}}, ["simulation.t_stop_ms"], id="t_stop-zero"),
    pytest.param({"simulation": {"threads": 0}}, ["simulation.threads"], id="threads-zero"),
    pytest.param({"simulation": {"threads": True}}, ["simulation.threads"], id="threads-bool"),
    pytest.param(
        {"simulation": {"t_stop_ms": 150.0}},
        ["analysis.t_start_ms", "simulation.t_stop_ms"],
        id="t_start-not-below-t_stop",
    ),
    pytest.param(
        {"analysis": {"t_start_ms": 1000.0}},
        ["analysis.t_start_ms", "simulation.t_stop_ms"],
        id="t_start-equals-t_stop",
    ),
    pytest.param({"ensemble": {"seeds": [1, 2, 1]}}, ["ensemble.seeds", "non-unique"], id="ensemble-seed-repeated"),
    pytest.param({"ensemble": {"seeds": []}}, ["ensemble.seeds"], id="ensemble-seeds-empty"),
    pytest.param({"ensemble": {"seeds": [-1]}}, ["ensemble.seeds.0"], id="ensemble-seed-negative"),
    pytest.param({"ensemble": {"replicates": -1}}, ["ensemble.replicates"], id="replicates-negative"),
    pytest.param({"ensemble": {"replicates": 1.5}}, ["ensemble.replicates"], id="replicates-not-integer"),
    pytest.param({"ensemble": {"size": 3}}, ["size", "ensemble", "replicates", "seeds"], id="ensemble-unknown-key"),
    pytest.param({"compare": {"rate_margin_rel": 0}}, ["compare.rate_margin_rel"], id="rate-margin-zero"),
    pytest.param({"compare": {"cv_margin": -0.05}}, ["compare.cv_margin"], id="cv-margin-negative"),
    pytest.param({"compare": {"corr_margin": 0.0}}, ["compare.corr_margin"], id="corr-margin-zero"),
    pytest.param({"compare": {"ci_level": 1.0}}, ["compare.ci_level"], id="ci-level-one"),
    pytest.param(
        {"compare": {"divergence_windows_ms": [0, 20, 10]}},
        ["compare.divergence_windows_ms"],
        id="divergence-windows-not-increasing",
    ),
    pytest.param({"backends": ["nest", "foo"]}, ["backends", "foo"], id="backend-unknown"),
    pytest.param({"model": "cobra"}, ["model", "coba, cuba, hh-coba"], id="model-unknown"),
    pytest.param(
        {
            "model": "hh-coba",
            "backends": ["nest", "spinnaker"],
            "weights": [{"g_exc_nS": 6.0, "g_inh_nS": 67.0}],
            "sweep": {"backends": []},
        },
        ["model", "engine 'spinnaker'", "model 'hh-coba'", "implements: coba, cuba"],
        id="model-no-engine",
    ),
    pytest.param(
        {"model": "cuba", "weights": [{"w_exc_pA": 16.2, "w_inh_pA": 90.0}], "sweep": {"backends": []}},
        ["stimulus.n_sources", "cuba", "n_sources: 0"],
        id="cuba-with-stimulus",
    ),
    pytest.param({"backends": "nest"}, ["backends"], id="backends-not-a-list"),
    pytest.param({"backends": []}, ["backends"], id="backends-empty"),
    pytest.param({"backends": ["nest", "nest"]}, ["backends"], id="backends-repeated"),
    pytest.param({"weights": []}, ["weights"], id="weights-empty"),
    pytest.param(
        {"weights": [{"g_exc_nS": 4, "g_inh_nS": 51}, {"g_exc_nS": 4.0, "g_inh_nS": 51.0}]},
        ["weights.1", "duplicate"],
        id="weights-duplicate",
    ),
    pytest.param({"weights": [{"g_exc_nS": 4.0}]}, ["weights.0", "g_inh_nS"], id="weights-missing-g_inh"),
    pytest.param({"weights": [{"g_exc_nS": -4.0, "g_inh_nS": 51.0}]}, ["weights.0.g_exc_nS"], id="g_exc-negative"),
    pytest.param(
        {"weights": [{"g_exc_nS": 4.0, "g_inh_nS": 51.0, "g_thal": 1}]},
        ["g_thal", "weights.0"],
        id="weights-unknown-key",
    ),
    pytest.param({"weights": {"g_exc_nS": 4.0, "g_inh_nS": 51.0}}, ["weights"], id="weights-not-a-list"),
    pytest.param({"record": {"n_traced": -1}}, ["record.n_traced"], id="n_traced-negative"),
    pytest.param({"analysis": {"min_spikes_cv": 2}}, ["analysis.min_spikes_cv"], id="min_spikes_cv-below-3"),
    pytest.param({"compare": {"max_ks_rate": 0.2}}, ["max_ks_rate", "compare"], id="old-compare-key-refused"),
    pytest.param({"spectra": {"segment_ms": 256.0}}, ["spectra.segment_ms"], id="segment-below-512"),
    pytest.param({"simulation": {"delay_ms": math.nan}}, ["simulation.delay_ms", "finite"], id="delay-nan"),
    pytest.param({"simulation": {"delay_ms": math.inf}}, ["simulation.delay_ms", "finite"], id="delay-inf"),
    pytest.param({"weights": [{"g_exc_nS": math.nan, "g_inh_nS": 51.0}]}, ["weights.0.g_exc_nS"], id="g_exc-nan"),
    pytest.param({"cell": {"v_thresh": math.nan}}, ["cell.v_thresh"], id="v_thresh-nan"),
    # a model's weights in another model's quantity, and an engine without the model
    pytest.param({"model": "cuba"}, ["weights.0", "cuba", "w_exc_pA", "pA", "g_exc_nS"], id="cuba-weight-in-nS"),
    pytest.param(
        {"model": "hh-coba", "weights": [{"w_exc_pA": 16.2, "w_inh_pA": 90.0}]},
        ["weights.0", "hh-coba", "g_exc_nS", "nS"],
        id="hh-weight-in-pA",
    ),
    pytest.param(
        {"model": "hh-coba", "backends": ["nest", "spinnaker"]},
        ["'model'", "spinnaker", "hh-coba", "coba"],
        id="engine-without-hh",
    ),
    pytest.param({"model": "hh-coba", "hh_cell": {"v_thresh": -50.0}}, ["v_thresh", "hh_cell"], id="hh-cell-if-key"),
]


def _merged(partial: dict) -> dict:
    base = yaml.safe_load(DEFAULT.read_text())
    out = copy.deepcopy(base)
    for key, value in partial.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key].update(value)
        else:
            out[key] = value
    return out


def _assert_one_line_naming(message: str, expected):
    assert "\n" not in message, message
    for key in expected:
        assert key in message, f"{key!r} not in {message!r}"


@pytest.mark.parametrize("partial, expected", BAD)
def test_bad_config_via_file(tmp_path, partial, expected):
    bad = _write_yaml(tmp_path / "bad.yaml", partial)
    with pytest.raises(ConfigError) as exc_info:
        load_config(DEFAULT, bad)
    _assert_one_line_naming(str(exc_info.value), expected)


@pytest.mark.parametrize("partial, expected", BAD)
def test_bad_config_via_dict(partial, expected):
    with pytest.raises(ConfigError) as exc_info:
        validate_config(_merged(partial))
    _assert_one_line_naming(str(exc_info.value), expected)


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("network:\n  n_cells: 100\n   p_connect: [0.1\n")
    with pytest.raises(ConfigError) as exc_info:
        load_config(DEFAULT, bad)
    _assert_one_line_naming(str(exc_info.value), [str(bad), "line 3"])


def test_missing_file_is_named(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as exc_info:
        load_config(DEFAULT, missing)
    _assert_one_line_naming(str(exc_info.value), [str(missing)])


@pytest.mark.parametrize("text", ["- nest\n- neuron\n", "just a string\n"], ids=["list", "scalar"])
def test_non_mapping_file(tmp_path, text):
    bad = tmp_path / "list.yaml"
    bad.write_text(text)
    with pytest.raises(ConfigError) as exc_info:
        load_config(DEFAULT, bad)
    _assert_one_line_naming(str(exc_info.value), [str(bad)])


def test_readme_documents_every_key():
    text = README.read_text()
    schema = load_schema()["properties"]
    missing = []
    for section, sub in schema.items():
        if "properties" in sub:
            names = [f"{section}.{key}" for key in sub["properties"]]
        elif sub.get("type") == "array" and "properties" in sub["items"]:
            names = [section] + [f"{section}[].{key}" for key in sub["items"]["properties"]]
        else:
            names = [section]
        missing += [n for n in names if f"`{n}`" not in text]
    missing += [p.relative_to(REPO).as_posix() for p in PRESETS if p.relative_to(REPO).as_posix() not in text]
    assert not missing, f"config/README.md does not document: {missing}"


# --- Snakemake parses the workflow with a bad config (dry runs only) ---------------------------


@pytest.fixture
def workflow_copy(tmp_path):
    dest = tmp_path / "wf"
    dest.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".snakemake")
    shutil.copy2(REPO / "Snakefile", dest / "Snakefile")
    for folder in ("workflow", "config", "envs"):
        shutil.copytree(REPO / folder, dest / folder, ignore=ignore)
    return dest


def _dry_run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--cores", "1", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


SNAKEMAKE_BAD = [
    pytest.param({"network": {"n_cells": -5}}, "network.n_cells", id="n_cells-negative"),
    pytest.param({"backends": ["nest", "foo"]}, "backends", id="backend-unknown"),
    pytest.param({"network": {"p_connect": 1.5}}, "network.p_connect", id="p_connect-above-1"),
    pytest.param({"simulation": {"dt_ms": 0.3, "delay_ms": 0.5}}, "simulation.delay_ms", id="dt-not-dividing-delay"),
    pytest.param({"network": {"size": 100}}, "size", id="unknown-key"),
    pytest.param({"ensemble": {"seeds": [3, 3]}}, "ensemble.seeds", id="ensemble-seed-repeated"),
    pytest.param({"compare": {"rate_margin_rel": 0}}, "compare.rate_margin_rel", id="margin-zero"),
    pytest.param({"analysis": {"t_start_ms": 2000.0}}, "analysis.t_start_ms", id="t_start-after-t_stop"),
]


@pytest.mark.parametrize("partial, key", SNAKEMAKE_BAD)
def test_snakemake_refuses_bad_config(workflow_copy, partial, key):
    _write_yaml(workflow_copy / "bad.yaml", partial)
    proc = _dry_run(workflow_copy, "--configfile", "bad.yaml")
    output = proc.stdout + "\n" + proc.stderr
    assert proc.returncode != 0, output
    lines = [line for line in output.splitlines() if line.startswith(PREFIX)]
    assert len(lines) == 1, output
    assert key in lines[0], output
    assert "Traceback" not in output, output
    assert not (workflow_copy / "results").exists()


def test_snakemake_missing_configfile(workflow_copy):
    proc = _dry_run(workflow_copy, "--configfile", "does-not-exist.yaml")
    output = proc.stdout + "\n" + proc.stderr
    assert proc.returncode != 0, output
    assert "does-not-exist.yaml" in output
    assert not (workflow_copy / "results").exists()


def test_snakemake_tiny_dry_run(workflow_copy):
    shutil.copy2(TINY, workflow_copy / "tiny.yaml")
    proc = _dry_run(workflow_copy, "--configfile", "tiny.yaml")
    output = proc.stdout + "\n" + proc.stderr
    assert proc.returncode == 0, output
    assert PREFIX not in output
    assert "build_network" in proc.stdout and "simulate" in proc.stdout
    assert not (workflow_copy / "results").exists()


def test_whole_number_floats_become_integers():
    """4000.0 for an integer key is taken as 4000 (paths and names need the integer form)."""
    cfg = validate_config(_merged({"network": {"n_cells": 4000.0, "seed": 7.0}}))
    assert cfg["network"]["n_cells"] == 4000 and isinstance(cfg["network"]["n_cells"], int)
    assert network_name(cfg).startswith("N4000_seed7_")
