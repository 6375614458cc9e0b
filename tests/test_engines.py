"""The engine interface: every engine is complete (env file, docs, declarations), every engine
writes the same run record, and reweighting is exact where an engine claims it."""

import json
import subprocess
import sys

import numpy as np
import pytest
import yaml

from vabench.backends import engines, get_engine, resource_names
from vabench.backends.base import Engine
from vabench.simulate import RECORD_FIELDS

from conftest import ROOT, TINY

README = (ROOT / "README.md").read_text()
ENGINES = engines()
# engines that simulate on this machine (a virtual board records nothing)
LOCAL = [name for name, cls in ENGINES.items() if not cls.resources]


@pytest.mark.parametrize("name", list(ENGINES))
def test_engine_has_env_file_docs_and_declarations(name):
    cls = ENGINES[name]
    env = ROOT / "envs" / cls.env_file()
    assert env.exists(), f"engine {name}: no environment file {env.relative_to(ROOT)}"
    pins = next(d["pip"] for d in yaml.safe_load(env.read_text())["dependencies"] if isinstance(d, dict))
    assert pins, f"{env.name} installs nothing"
    assert f"| `{name}` |" in README, f"engine {name}: no line in the README's engine table"
    row = next(line for line in README.splitlines() if line.startswith(f"| `{name}` |"))
    assert row.split(" | ")[2] == ", ".join(cls.models), f"engine {name}: the table's models are not {cls.models}"
    assert cls.summary, f"engine {name}: no summary"
    assert (
        cls.section is None
        or cls.section in yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
        or cls.section in (ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text()
    )
    for method in ("build", "run", "spikes", "versions"):
        assert getattr(cls, method) is not getattr(Engine, method), f"{name} does not implement {method}"
    if cls.can_reweight:
        assert cls.reweight is not Engine.reweight, f"{name} says it can reweight but has no reweight"


def test_registry_drives_schema_wildcards_and_resources():
    from vabench.config import load_schema

    schema = load_schema()
    assert schema["properties"]["backends"]["items"]["enum"] == list(ENGINES)
    assert schema["properties"]["sweep"]["properties"]["backends"]["items"]["enum"] == list(ENGINES)
    common = (ROOT / "workflow" / "rules" / "common.smk").read_text()
    for name in ENGINES:  # nothing outside the engines' folder lists the simulators
        assert f'"{name}"' not in common
    assert "spinnaker_board" in resource_names()


def test_an_unknown_engine_is_refused_in_one_line():
    with pytest.raises(ValueError, match="allowed values: " + ", ".join(ENGINES)):
        get_engine("nestt")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from vabench.config import load_config, network_params
    from vabench.network import build_network, save_network

    cfg = load_config(TINY)
    cfg["simulation"]["t_stop_ms"] = 200.0
    cfg["record"]["n_traced"] = 2
    net = tmp_path_factory.mktemp("engines") / "network.npz"
    save_network(net, build_network(network_params(cfg)))
    return cfg, net


def _run(cfg, net, backend, points, out, traces="full"):
    """run_points in a fresh process (simulators keep global state); the records."""
    script = (
        "import json, sys; from vabench.simulate import run_points; "
        "a = json.loads(sys.argv[1]); print(json.dumps(run_points(a['net'], a['backend'], a['points'], a['cfg'], "
        "a['out'], traces=a['traces'], work_dir=a['work'])))"
    )
    dirs = [str(out / f"p{k}") for k in range(len(points))]
    # a relative scratch folder, as Snakemake passes it (the job runs in the workflow's folder)
    arg = json.dumps(
        {
            "net": str(net),
            "backend": backend,
            "points": points,
            "cfg": cfg,
            "out": dirs,
            "traces": traces,
            "work": "work",
        }
    )
    out.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, "-c", script, arg], capture_output=True, text=True, timeout=900, cwd=out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [json.loads((out / f"p{k}" / "run.json").read_text()) for k in range(len(points))]


@pytest.mark.slow
@pytest.mark.parametrize("backend", LOCAL)
def test_every_engine_writes_the_same_record(tiny, tmp_path, backend):
    cfg, net = tiny
    (record,) = _run(cfg, net, backend, [(8.0, 80.0)], tmp_path)
    assert set(record) == set(RECORD_FIELDS), set(record) ^ set(RECORD_FIELDS)
    assert set(record["timings_s"]) == {"setup_s", "build_s", "run_s", "read_s", "write_s"}
    assert record["backend"] == backend and record["purpose"] == "study" and not record["virtual_run"]
    assert record["n_spikes"]["exc"] > 0 and isinstance(record["engine"], dict)
    assert {p.name for p in (tmp_path / "p0").iterdir()} >= {"spikes.parquet", "traces.npz", "run.json"}
    assert not list((tmp_path / "p0").glob("*.neo.pkl"))  # tidy recordings, written once


@pytest.mark.slow
@pytest.mark.parametrize("backend", [n for n in LOCAL if ENGINES[n].can_reweight])
def test_reweighting_is_exact_against_a_fresh_build(tiny, tmp_path, backend):
    """A second point after a reweight equals the same point simulated first in a fresh process."""
    from vabench.io import read_spikes

    cfg, net = tiny
    _run(cfg, net, backend, [(2.0, 40.0), (8.0, 80.0)], tmp_path / "row", traces=None)
    _run(cfg, net, backend, [(8.0, 80.0)], tmp_path / "fresh", traces=None)
    again, fresh = (
        read_spikes(tmp_path / "row" / "p1" / "spikes.parquet"),
        read_spikes(tmp_path / "fresh" / "p0" / "spikes.parquet"),
    )
    assert len(fresh) > 100
    assert np.array_equal(again["cell"], fresh["cell"]) and np.array_equal(again["time_ms"], fresh["time_ms"])


@pytest.mark.slow
@pytest.mark.parametrize("backend", LOCAL)
def test_recording_traces_does_not_change_the_spikes(tiny, tmp_path, backend):
    """Tracing cells is passive: a map's check reads a study run (traces recorded) in place of a
    run of its own (none recorded) at the same point."""
    from vabench.io import read_spikes

    cfg, net = tiny
    _run(dict(cfg, record={"n_traced": 2}), net, backend, [(8.0, 80.0)], tmp_path / "traced")
    _run(dict(cfg, record={"n_traced": 0}), net, backend, [(8.0, 80.0)], tmp_path / "plain", traces=None)
    traced, plain = (
        read_spikes(tmp_path / "traced" / "p0" / "spikes.parquet"),
        read_spikes(tmp_path / "plain" / "p0" / "spikes.parquet"),
    )
    assert len(plain) > 100
    assert np.array_equal(traced["cell"], plain["cell"]) and np.array_equal(traced["time_ms"], plain["time_ms"])
