"""Build, save and load the one network that every backend simulates.

A network is the connectivity (presynaptic and postsynaptic cell of every recurrent
synapse), the initial membrane potentials, and the thalamic input (spike times of each
source and the cells it reaches). Weights are not part of it: one network serves every
weight set. Cells are numbered globally, excitatory first (0 .. n_exc-1), then inhibitory.
"""

from __future__ import annotations

import json

import numpy as np

from vabench.io import read_npz, write_npz

FORMAT_VERSION = 1


def _draw_pairs(rng: np.random.Generator, n_pre: int, n_post: int, p: float, exclude_self: bool):
    """Each ordered pair independently with probability p, drawn one presynaptic row at a time."""
    pre, post = [], []
    for i in range(n_pre):
        targets = np.flatnonzero(rng.random(n_post) < p)
        if exclude_self:
            targets = targets[targets != i]
        pre.append(np.full(targets.size, i, dtype=np.int32))
        post.append(targets.astype(np.int32))
    if not pre:
        return np.empty(0, np.int32), np.empty(0, np.int32)
    return np.concatenate(pre), np.concatenate(post)


def build_network(params: dict) -> dict:
    """Draw the network defined by ``params`` (:func:`vabench.config.network_params` of a
    validated config) with its own seeded generator."""
    net, stim, dt = params["network"], params["stimulus"], params["dt_ms"]
    n = net["n_cells"]
    n_exc = int(round(n * net["exc_fraction"]))
    rng = np.random.default_rng(net["seed"])

    pre, post = _draw_pairs(rng, n, n, net["p_connect"], exclude_self=True)
    v_low, v_high = params["v_init_range_mV"]
    v_init = rng.uniform(v_low, v_high, size=n)

    # Poisson trains on the dt grid in (onset, onset + duration], onset = the synaptic delay:
    # PyNN's NEST backend cannot emit a stored spike at or before min_delay.
    onset = params["stimulus_onset_ms"]
    n_steps = int(round(stim["duration_ms"] / dt))
    p_spike = stim["rate_hz"] * dt * 1e-3
    fires = rng.random((stim["n_sources"], n_steps)) < p_spike
    src, step = np.nonzero(fires)
    thal_times = np.round(onset / dt + step + 1) * dt
    thal_pre, thal_post = _draw_pairs(rng, stim["n_sources"], n, stim["p_connect"], exclude_self=False)
    perturbation = {}
    if params.get("replicate", 0):
        thal_times, perturbation = move_one_spike(
            src, thal_times, net["seed"], params["replicate"], dt, onset, onset + n_steps * dt
        )
        if not perturbation:  # no thalamic spike to move (CUBA's networks have no stimulus)
            v_init, perturbation = move_one_v(v_init, net["seed"], params["replicate"], v_low, v_high)

    return {
        "n_exc": np.int64(n_exc),
        "n_inh": np.int64(n - n_exc),
        "pre": pre,
        "post": post,
        "v_init_mV": v_init,
        "thalamic_source": src.astype(np.int32),
        "thalamic_time_ms": thal_times.astype(np.float64),
        "thalamic_pre": thal_pre,
        "thalamic_post": thal_post,
        "n_thalamic": np.int64(stim["n_sources"]),
        "params_json": np.array(json.dumps(params, sort_keys=True)),
        "perturbation_json": np.array(json.dumps(perturbation, sort_keys=True)),
        "format_version": np.int64(FORMAT_VERSION),
    }


def move_one_spike(src: np.ndarray, times: np.ndarray, seed: int, replicate: int, dt: float, low: float, high: float):
    """The thalamic times with ONE spike moved by one ``dt`` (the replicate's perturbation).

    The spike is drawn with its own generator (network seed, replicate number), so replicate
    r of a network is always the same and replicates differ from each other. It moves later
    unless that leaves the stimulus window (low, high] or lands on another spike of the same
    source; then earlier. Returns (new times, what was moved).
    """
    times = times.copy()
    if times.size == 0:
        return times, {}
    rng = np.random.default_rng([int(seed), int(replicate)])
    k = int(rng.integers(times.size))
    same_source = set(np.round(times[src == src[k]] / dt).astype(np.int64))
    for step in (+1, -1):
        new = round(times[k] / dt) + step
        if low < new * dt <= high + 1e-9 and new not in same_source:
            old, times[k] = times[k], new * dt
            return times, {"spike_index": k, "source": int(src[k]), "from_ms": float(old), "to_ms": float(times[k])}
    return times, {}


# CUBA, N=4000, seed 1 (2026-12-07): one cell's initial v moved by 0.1 or 1 mV leaves every later
# spike of brian2-native where it was, 3 mV makes its spike trains independent after 200 ms (0.1 %
# of spikes coincide); NEST's exact iaf_psc_exp_ps damps even 3 mV (README, CUBA)
V_NUDGE_mV = 5.0


def move_one_v(v_init: np.ndarray, seed: int, replicate: int, low: float, high: float):
    """The initial potentials with ONE cell's moved by ``V_NUDGE_mV`` (5 mV, half CUBA's initial
    range): the replicate's perturbation where there is no thalamic spike to move. The cell is
    drawn as :func:`move_one_spike` draws its spike; it moves up unless that leaves [low, high),
    then down. Returns (new potentials, what was moved)."""
    v_init = v_init.copy()
    rng = np.random.default_rng([int(seed), int(replicate)])
    k = int(rng.integers(v_init.size))
    old = float(v_init[k])
    v_init[k] = old + V_NUDGE_mV if old + V_NUDGE_mV < high else old - V_NUDGE_mV
    return v_init, {"cell": k, "v_from_mV": old, "v_to_mV": float(v_init[k])}


def save_network(path, network: dict) -> None:
    write_npz(path, **network)


def load_network(path) -> dict:
    net = read_npz(path, what="network file")
    if int(net.get("format_version", -1)) != FORMAT_VERSION:
        from vabench.io import DamagedFileError

        raise DamagedFileError(
            f"network file '{path}' has an unknown format; rebuild it with: snakemake --cores 1 --force '{path}'"
        )
    net["n_exc"], net["n_inh"], net["n_thalamic"] = int(net["n_exc"]), int(net["n_inh"]), int(net["n_thalamic"])
    net["params"] = json.loads(str(net.pop("params_json")))
    net["perturbation"] = json.loads(str(net.pop("perturbation_json", "{}")))
    return net


def split_projections(net: dict) -> dict:
    """Recurrent synapses by projection (e2e, e2i, i2e, i2i) with population-local indices."""
    n_exc = net["n_exc"]
    pre, post = net["pre"], net["post"]
    pre_exc, post_exc = pre < n_exc, post < n_exc
    out = {}
    for name, pmask, qmask in (
        ("e2e", pre_exc, post_exc),
        ("e2i", pre_exc, ~post_exc),
        ("i2e", ~pre_exc, post_exc),
        ("i2i", ~pre_exc, ~post_exc),
    ):
        sel = pmask & qmask
        pre_off = 0 if name[0] == "e" else n_exc
        post_off = 0 if name[2] == "e" else n_exc
        out[name] = (pre[sel] - pre_off, post[sel] - post_off)
    thal_exc = net["thalamic_post"] < n_exc
    out["ext2e"] = (net["thalamic_pre"][thal_exc], net["thalamic_post"][thal_exc])
    out["ext2i"] = (net["thalamic_pre"][~thal_exc], net["thalamic_post"][~thal_exc] - n_exc)
    return out


def thalamic_spike_trains(net: dict) -> list[np.ndarray]:
    """Sorted spike times (ms) of each thalamic source."""
    src, times = net["thalamic_source"], net["thalamic_time_ms"]
    return [np.sort(times[src == i]) for i in range(net["n_thalamic"])]
