"""The verdict on real simulators, over small ensembles of networks paired by seed.

One network says nothing (the network is chaotic); these tests simulate several stored
networks on two backends, one subprocess per run as a simulator host would, and judge them
with the verdict of the workflow (:func:`vabench.compare.agreement_table`).

- NEST against NEURON at dt 0.1 ms must never be called ``different`` on rate, CV or survival.
- PyNN's Brian2 backend integrates with forward Euler: at the seed notebook's dt 1 ms / delay
  2 ms it runs away (about 160 Hz against about 25 Hz on NEST on this network), and the
  verdict must call it ``different`` on rate.
"""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from vabench.compare import agreement_table, pair_summary
from vabench.config import load_config, network_params, with_seed
from vabench.extract import block_outputs, extract_block, run_dir_recordings
from vabench.network import build_network, save_network
from vabench.run_analysis import analyse_block, analysis_outputs

from conftest import ROOT, TINY

G_EXC, G_INH = 8.0, 80.0  # the tiny network sustains here on every backend at dt 0.1 ms


def simulate_ensemble(tmp, cfg_path, seeds, backends):
    """Every backend on every seed's stored network; the study summary table of the runs."""
    cfg = load_config(ROOT / "config" / "config.yaml", cfg_path)
    jobs = []
    for seed in seeds:
        net = tmp / f"seed{seed}" / "network.npz"
        save_network(net, build_network(network_params(with_seed(cfg, seed))))
        jobs += [(net, backend, tmp / f"seed{seed}" / backend) for backend in backends]

    def run(job):
        net, backend, out = job
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "vabench",
                "simulate",
                "--configfile",
                str(ROOT / "config" / "config.yaml"),
                "--configfile",
                str(cfg_path),
                "--network",
                str(net),
                "--backend",
                backend,
                "--g-exc",
                str(G_EXC),
                "--g-inh",
                str(G_INH),
                "--out-dir",
                str(out),
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        return out

    with ThreadPoolExecutor(max_workers=2) as pool:  # two cores: two simulations at a time
        outs = list(pool.map(run, jobs))
    # the workflow's two analysis stages, on every run as one block
    extracted = block_outputs(tmp / "block")
    extract_block([r for out in outs for r in run_dir_recordings(out)], cfg["analysis"], cfg["spectra"], extracted)
    summary = analyse_block(
        [(out / "spikes.parquet", out / "run.json") for out in outs],
        extracted["cell_summary"],
        extracted["signals"],
        cfg["analysis"],
        cfg["spectra"],
        analysis_outputs(tmp / "block"),
    )
    compare = {k: v for k, v in cfg["compare"].items() if k != "divergence_windows_ms"}
    return summary, compare


def judged_ensemble(tmp, settings: str, seeds, backends):
    """The tiny config plus ``settings`` (YAML), simulated on ``seeds`` x ``backends`` and judged."""
    cfg = tmp / "ensemble.yaml"
    cfg.write_text(TINY.read_text() + "\nrecord: {n_traced: 0}\n" + settings)
    summary, compare = simulate_ensemble(tmp, cfg, seeds, backends)
    return summary, agreement_table(summary, backends, compare)


@pytest.mark.slow
def test_nest_and_neuron_are_never_called_different_at_dt_0_1(tmp_path):
    summary, table = judged_ensemble(tmp_path, "", seeds=range(1, 9), backends=["nest", "neuron"])
    core = table[table["statistic"].isin(["rate", "cv", "survival"])]
    assert len(core) == 5  # survival, and rate and CV per population
    assert not (core["verdict"] == "different").any(), core.to_string()
    assert summary["sustained"].mean() >= 0.75, summary.to_string()  # most networks sustain at this weight set
    assert (core[core.statistic != "survival"]["n_seeds"] >= 6).all(), core.to_string()


@pytest.mark.slow
def test_brian2_forward_euler_at_dt_1ms_is_called_different_on_rate(tmp_path):
    summary, table = judged_ensemble(
        tmp_path,
        "simulation: {t_stop_ms: 300.0, dt_ms: 1.0, delay_ms: 2.0}\n",
        seeds=range(1, 5),  # 4 seeds: a runaway is called on few seeds
        backends=["nest", "brian2"],
    )
    rate = table[table["statistic"] == "rate"]
    assert (rate["verdict"] == "different").all(), rate.to_string()
    assert (rate["b_mean"] > 3 * rate["a_mean"]).all(), rate.to_string()  # runaway, not a nuance
    pairs = pair_summary(table, summary)
    assert pairs.iloc[0]["verdict"] == "different" and "rate(exc)" in pairs.iloc[0]["different_on"]
