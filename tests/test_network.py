import numpy as np
import pytest

from vabench.config import ensemble_networks, network_name, network_params, validate_config
from vabench.io import DamagedFileError
from vabench.network import build_network, load_network, save_network, split_projections, thalamic_spike_trains


def small(seed=1, n=300, p=0.1, **sim):
    return validate_config({"network": {"n_cells": n, "p_connect": p, "seed": seed}, "simulation": sim})


def test_same_seed_same_network():
    a, b = build_network(network_params(small(1))), build_network(network_params(small(1)))
    for key in ("pre", "post", "v_init_mV", "thalamic_time_ms", "thalamic_source", "thalamic_pre", "thalamic_post"):
        np.testing.assert_array_equal(a[key], b[key])


def test_other_seed_other_network_and_name():
    a, b = build_network(network_params(small(1))), build_network(network_params(small(2)))
    assert not (
        len(a["pre"]) == len(b["pre"]) and np.array_equal(a["pre"], b["pre"]) and np.array_equal(a["post"], b["post"])
    )
    assert not np.array_equal(a["v_init_mV"], b["v_init_mV"])
    assert network_name(small(1)) != network_name(small(2))


def test_weights_do_not_change_the_network_name():
    a = validate_config({"weights": [{"g_exc_nS": 4, "g_inh_nS": 51}]})
    b = validate_config({"weights": [{"g_exc_nS": 6, "g_inh_nS": 67}], "analysis": {"t_start_ms": 50}})
    assert network_name(a) == network_name(b)


def test_connectivity_statistics():
    cfg = small(3, n=1000, p=0.05)
    net = build_network(network_params(cfg))
    assert np.all(net["pre"] != net["post"]), "self-connections"
    pairs = net["pre"].astype(np.int64) * 1000 + net["post"]
    assert len(np.unique(pairs)) == len(pairs), "duplicate synapses"
    expected = 0.05 * 1000 * 999
    assert abs(len(pairs) - expected) < 5 * np.sqrt(expected)
    assert net["n_exc"] == 800 and net["n_inh"] == 200


def test_initial_v_and_thalamic_input():
    cfg = small(4, n=500, dt_ms=0.1, delay_ms=0.2)
    net = build_network(network_params(cfg))
    assert net["v_init_mV"].min() >= -60 and net["v_init_mV"].max() <= -50
    times = net["thalamic_time_ms"]
    onset, duration = 0.2, 50.0
    assert times.min() > onset and times.max() <= onset + duration + 1e-9
    np.testing.assert_allclose(times / 0.1, np.round(times / 0.1), atol=1e-6)  # on the dt grid
    rate = len(times) / (20 * duration * 1e-3)
    assert 70 < rate < 130  # 20 sources at 100 Hz
    trains = thalamic_spike_trains(net)
    assert len(trains) == 20 and sum(len(t) for t in trains) == len(times)


def test_save_load_roundtrip_and_projections(tmp_path):
    net = build_network(network_params(small(5)))
    save_network(tmp_path / "net.npz", net)
    loaded = load_network(tmp_path / "net.npz")
    np.testing.assert_array_equal(loaded["pre"], net["pre"])
    assert loaded["params"]["network"]["seed"] == 5
    prj = split_projections(loaded)
    assert sum(len(prj[k][0]) for k in ("e2e", "e2i", "i2e", "i2i")) == len(net["pre"])
    for name, (pre, post) in prj.items():
        n_pre = {"e": loaded["n_exc"], "i": loaded["n_inh"], "ext": loaded["n_thalamic"]}[name.split("2")[0]]
        n_post = {"e": loaded["n_exc"], "i": loaded["n_inh"]}[name.split("2")[1]]
        assert (len(pre) == 0) or (pre.min() >= 0 and pre.max() < n_pre and post.min() >= 0 and post.max() < n_post)


def test_truncated_network_file_names_the_file(tmp_path):
    path = tmp_path / "network.npz"
    save_network(path, build_network(network_params(small(6))))
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(DamagedFileError, match="network.npz.*rebuild it with: snakemake"):
        load_network(path)


def test_replicate_moves_exactly_one_input_spike_by_one_step():
    cfg = small(6, n=400, dt_ms=0.1, delay_ms=0.2)
    base = build_network(network_params(cfg))
    reps = [build_network(network_params(cfg, r)) for r in (1, 2)]
    for rep in reps:
        for key in ("pre", "post", "v_init_mV", "thalamic_source", "thalamic_pre", "thalamic_post"):
            np.testing.assert_array_equal(rep[key], base[key])
        moved = np.flatnonzero(rep["thalamic_time_ms"] != base["thalamic_time_ms"])
        assert len(moved) == 1
        assert abs(rep["thalamic_time_ms"][moved[0]] - base["thalamic_time_ms"][moved[0]]) == pytest.approx(0.1)
        assert rep["thalamic_time_ms"].min() > 0.2  # still after the first delay
    assert not np.array_equal(reps[0]["thalamic_time_ms"], reps[1]["thalamic_time_ms"])
    again = build_network(network_params(cfg, 1))
    np.testing.assert_array_equal(again["thalamic_time_ms"], reps[0]["thalamic_time_ms"])


def test_replicate_without_stimulus_moves_one_initial_v():
    """CUBA's networks have no thalamic spike to move: the replicate moves one cell's initial v
    by 5 mV instead (without it a replicate would be the network itself, and the chaos
    reference zero)."""
    cfg = validate_config(
        {
            "model": "cuba",
            "network": {"n_cells": 300, "p_connect": 0.1, "seed": 3},
            "stimulus": {"n_sources": 0},
            "weights": [{"w_exc_pA": 16.2, "w_inh_pA": 90.0}],
            "sweep": {"backends": []},
        }
    )
    base, rep = build_network(network_params(cfg)), build_network(network_params(cfg, 1))
    assert base["thalamic_time_ms"].size == 0
    moved = np.flatnonzero(rep["v_init_mV"] != base["v_init_mV"])
    assert len(moved) == 1
    assert abs(rep["v_init_mV"][moved[0]] - base["v_init_mV"][moved[0]]) == pytest.approx(5.0)
    assert -60.0 <= rep["v_init_mV"][moved[0]] < -50.0
    np.testing.assert_array_equal(rep["pre"], base["pre"])


def test_ensemble_names_every_seed_and_replicate():
    cfg = validate_config({"network": {"n_cells": 300}, "ensemble": {"seeds": [5, 7], "replicates": 2}})
    nets = ensemble_networks(cfg)
    assert [(n["seed"], n["replicate"]) for n in nets] == [(5, 0), (5, 1), (5, 2), (7, 0), (7, 1), (7, 2)]
    assert len({n["name"] for n in nets}) == 6
    assert nets[0]["name"].startswith("N300_seed5_") and nets[1]["name"].startswith("N300_seed5r1_")
    # replicate 0 is the seed's network, under the name it had before replicates existed
    assert nets[3]["params"] == network_params(validate_config({"network": {"n_cells": 300, "seed": 7}}))
