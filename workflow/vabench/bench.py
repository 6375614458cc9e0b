"""Benchmarks that print a table (run them on a quiet machine; compare ratios within one run).

``python -m vabench.bench all`` (``make bench``): every backend x network size of
``config/bench.yaml``, each repeat a separate simulate job (a fresh process, as Snakemake
runs it); phases are timed inside the job and peak memory is the job's own ``ru_maxrss``.
Writes ``results/bench/repeats.tsv`` (one row per job), ``results/bench/bench.tsv``
(median, min and max per backend x threads x network), ``results/bench/overhead.tsv``
(our Snakemake job against the bare PyNN script ``workflow/bench/bare_pynn.py``) and
``results/figures/bench.png``.

``python -m vabench.bench sweep-overhead`` measures the fixed cost per sweep point (process
start, imports, loading the network, building, writing) against the simulation itself, once
with one process per point (a job per point) and once with one process per grid row.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

from vabench.backends import get_engine
from vabench.config import (
    ConfigError,
    load_schema,
    network_name,
    network_params,
    validate_against,
    validate_config,
    weight_pair,
    weights_label,
)
from vabench.io import atomic_path, write_json
from vabench.models import model_root
from vabench.network import build_network, save_network

log = logging.getLogger("vabench.bench")
ROOT = Path(__file__).resolve().parents[2]
BENCH_SCHEMA = ROOT / "workflow" / "schemas" / "bench.schema.yaml"
BARE_SCRIPT = ROOT / "workflow" / "bench" / "bare_pynn.py"
METRICS = ("setup_s", "build_s", "run_s", "write_s", "job_s", "rtf", "peak_mb", "spikes_per_s", "rate_hz")


def load_bench_config(path) -> dict:
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"bench config '{path}' does not exist")
    return validate_against(yaml.safe_load(path.read_text()) or {}, load_schema(BENCH_SCHEMA))


def _short_run_settings(t_stop_ms: float) -> dict:
    # the simulate job never reads these; short benchmark runs only must pass their checks
    return {"analysis": {"t_start_ms": min(200.0, t_stop_ms / 2)}, "spectra": {"t_start_ms": 0.0}}


def _study_config(
    n_cells: int, p_connect: float, t_stop_ms: float, threads: int, model: str = "coba", weights: dict | None = None
) -> dict:
    extra = {}
    if model != "coba":  # the default backends that implement the model (the job names its own)
        backends = [b for b in validate_config({})["backends"] if model in get_engine(b).models]
        extra = {"model": model, "weights": [weights], "backends": backends, "sweep": {"backends": []}}
    return validate_config(
        {
            "network": {"n_cells": n_cells, "p_connect": p_connect},
            "simulation": {"t_stop_ms": t_stop_ms, "threads": threads},
            **_short_run_settings(t_stop_ms),
            **extra,
        }
    )


def _stored_network(out: Path, cfg: dict) -> Path:
    """The network of ``cfg``, built once and kept under ``results/bench/networks/<name>``."""
    path = out / "networks" / network_name(cfg) / "network.npz"
    if not path.exists():
        log.info("building network %s", network_name(cfg))
        save_network(path, build_network(network_params(cfg)))
    return path


def time_job(cfg: dict, network: Path, backend: str, g_exc: float, g_inh: float, run_dir: Path) -> dict:
    """One simulate job in a fresh process (``vabench simulate``); its timings, memory and spikes."""
    run_dir.mkdir(parents=True, exist_ok=True)
    cfg_path = run_dir / "config.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg))
    cmd = [
        sys.executable,
        "-m",
        "vabench",
        "simulate",
        "--configfile",
        str(cfg_path),
        "--network",
        str(network),
        "--backend",
        backend,
        "--g-exc",
        str(g_exc),
        "--g-inh",
        str(g_inh),
        "--out-dir",
        str(run_dir),
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    job_s = time.perf_counter() - t0
    (run_dir / "job.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"{backend} job failed (exit {proc.returncode}); see {run_dir / 'job.log'}")
    info = json.loads((run_dir / "run.json").read_text())
    t = info["timings_s"]
    n_spikes = sum(info["n_spikes"].values())
    t_stop_s = cfg["simulation"]["t_stop_ms"] / 1000.0
    return {
        **{k: t[k] for k in ("setup_s", "build_s", "run_s", "write_s")},
        "job_s": job_s,
        "rtf": t["run_s"] / t_stop_s,
        "peak_mb": info["peak_memory_mb"],
        "n_spikes": n_spikes,
        "spikes_per_s": n_spikes / t["run_s"],
        "rate_hz": n_spikes / cfg["network"]["n_cells"] / t_stop_s,
        "n_synapses": info["n_synapses"],
    }


def _warm_up(out: Path, bcfg: dict) -> dict:
    """An untimed first job per engine that compiles on first use (its cache is cold on a new machine)."""
    warm = {}
    models = {net.get("model", "coba"): net.get("weights", bcfg["weights"]) for net in bcfg["networks"]}
    for backend in dict.fromkeys(r["backend"] for r in bcfg["runs"]):
        engine = get_engine(backend)
        for model, weights in models.items():
            if not engine.warm_up or model not in engine.models:
                continue
            cfg = _study_config(1000, 0.08, 50.0, 1, model, weights)
            key = backend if model == "coba" else f"{backend} {model}"
            t0 = time.perf_counter()
            time_job(
                cfg,
                _stored_network(out, cfg),
                backend,
                *weight_pair(weights, model),
                out / "jobs" / "warm-up" / key.replace(" ", "_"),
            )
            warm[key] = time.perf_counter() - t0
            log.info("warm-up %s (compile cache; cold on a new machine): %.1f s", key, warm[key])
    return warm


def bench_all(bcfg: dict, out: Path) -> pd.DataFrame:
    """Every (network, backend, threads) x repeats, repeats interleaved; rows of repeats.tsv."""
    out.mkdir(parents=True, exist_ok=True)
    w = bcfg["weights"]
    jobs = []
    for net_spec in bcfg["networks"]:
        t_stop = net_spec.get("t_stop_ms", bcfg["t_stop_ms"])
        model = net_spec.get("model", "coba")
        for run in bcfg["runs"]:
            if "only" in net_spec and run["backend"] not in net_spec["only"]:
                continue
            if model not in get_engine(run["backend"]).models:
                continue  # an engine times only the models it implements
            cfg = _study_config(
                net_spec["n_cells"], net_spec["p_connect"], t_stop, run["threads"], model, net_spec.get("weights", w)
            )
            jobs.append((cfg, run["backend"], run["threads"], net_spec.get("repeats", bcfg["repeats"])))
    rows = []
    n_total = sum(j[3] for j in jobs)
    done = 0
    for rep in range(max(j[3] for j in jobs)):  # repeat-major: slow drifts of a shared machine hit every row alike
        for cfg, backend, threads, repeats in jobs:
            if rep >= repeats:
                continue
            net = _stored_network(out, cfg)
            n, p = cfg["network"]["n_cells"], cfg["network"]["p_connect"]
            run_dir = (
                out / "jobs" / model_root(cfg["model"], f"N{n}_p{p:g}") / f"{backend}_t{threads}" / f"repeat{rep + 1}"
            )
            model = cfg["model"]
            r = time_job(cfg, net, backend, *weight_pair(cfg["weights"][0], model), run_dir)
            done += 1
            log.info(
                "[%d/%d] %s %s %d thread(s) N=%d p=%g repeat %d: build %.2f s, run %.2f s (RTF %.2f), write %.2f s, "
                "job %.1f s, peak %.0f MB, %.1f Hz",
                done,
                n_total,
                cfg["model"],
                backend,
                threads,
                n,
                p,
                rep + 1,
                r["build_s"],
                r["run_s"],
                r["rtf"],
                r["write_s"],
                r["job_s"],
                r["peak_mb"],
                r["rate_hz"],
            )
            rows.append(
                {
                    "model": cfg["model"],
                    "backend": backend,
                    "threads": threads,
                    "n_cells": n,
                    "p_connect": p,
                    "t_stop_ms": cfg["simulation"]["t_stop_ms"],
                    "repeat": rep + 1,
                    **r,
                }
            )
    return pd.DataFrame(rows)


def summarise(repeats: pd.DataFrame) -> pd.DataFrame:
    """Median, min and max of every metric per (backend, threads, network)."""
    keys = ["model", "backend", "threads", "n_cells", "p_connect", "t_stop_ms"]
    g = repeats.groupby(keys, sort=False)
    table = g.agg(n_synapses=("n_synapses", "first"), repeats=("repeat", "count")).reset_index()
    for m in METRICS:
        table[m] = g[m].median().values
        table[f"{m}_min"] = g[m].min().values
        table[f"{m}_max"] = g[m].max().values
    return table


def bench_overhead(bcfg: dict, out: Path) -> pd.DataFrame:
    """Our simulate job, as Snakemake runs it, against the bare PyNN script; both on one stored network.

    ``job_s`` is the job's wall time as Snakemake's ``benchmark:`` file records it (process
    start to end); ``snakemake_s`` is the whole ``snakemake`` call (DAG, checks, the job).
    """
    o, w = bcfg["overhead"], bcfg["weights"]
    rows = []
    for backend in o["backends"]:
        work = out / "overhead" / backend
        cfg = {
            "network": {"n_cells": o["n_cells"]},
            "simulation": {"t_stop_ms": o["t_stop_ms"]},
            "backends": [backend],
            "weights": [{"g_exc_nS": w["g_exc_nS"], "g_inh_nS": w["g_inh_nS"]}],
            **_short_run_settings(o["t_stop_ms"]),
        }
        full = validate_config(cfg)
        (work / "config").mkdir(parents=True, exist_ok=True)
        (work / "config" / "config.yaml").write_text(yaml.safe_dump(cfg))
        run_dir = f"results/runs/{network_name(full)}/{backend}/{weights_label(w['g_exc_nS'], w['g_inh_nS'])}"
        target = f"{run_dir}/run.json"
        bench_file = (
            work
            / "benchmarks"
            / "simulate"
            / network_name(full)
            / backend
            / f"{weights_label(w['g_exc_nS'], w['g_inh_nS'])}.tsv"
        )
        smk = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "-d", str(work), "--cores", "2"]
        subprocess.run(smk + [f"results/networks/{network_name(full)}/network.npz"], check=True, capture_output=True)
        network = work / "results" / "networks" / network_name(full) / "network.npz"
        for rep in range(o["repeats"]):
            t0 = time.perf_counter()
            proc = subprocess.run(smk + [target, "--forcerun", "simulate"], capture_output=True, text=True)
            smk_s = time.perf_counter() - t0
            if proc.returncode != 0:
                raise RuntimeError(f"snakemake failed for {backend}:\n{proc.stderr[-2000:]}")
            job_s = float(pd.read_csv(bench_file, sep="\t")["s"].iloc[-1])
            t0 = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    str(BARE_SCRIPT),
                    backend,
                    str(network),
                    str(work / "bare"),
                    str(w["g_exc_nS"]),
                    str(w["g_inh_nS"]),
                    str(o["t_stop_ms"]),
                ],
                check=True,
                capture_output=True,
            )
            bare_s = time.perf_counter() - t0
            timings = json.loads((work / run_dir / "run.json").read_text())["timings_s"]
            log.info(
                "overhead %s repeat %d: bare script %.1f s, our job %.1f s (ratio %.2f), snakemake call %.1f s",
                backend,
                rep + 1,
                bare_s,
                job_s,
                job_s / bare_s,
                smk_s,
            )
            rows.append(
                {
                    "backend": backend,
                    "n_cells": o["n_cells"],
                    "t_stop_ms": o["t_stop_ms"],
                    "repeat": rep + 1,
                    "bare_s": bare_s,
                    "job_s": job_s,
                    "snakemake_s": smk_s,
                    "ratio": job_s / bare_s,
                    **{f"job_{k}": v for k, v in timings.items()},
                }
            )
    df = pd.DataFrame(rows)
    g = df.groupby(["backend", "n_cells", "t_stop_ms"], sort=False)
    summary = g[["bare_s", "job_s", "snakemake_s", "job_setup_s", "job_build_s", "job_run_s", "job_write_s"]].median()
    summary["ratio"] = g["ratio"].median()
    summary["ratio_min"], summary["ratio_max"] = g["ratio"].min(), g["ratio"].max()
    summary["repeats"] = g["repeat"].count()
    return summary.reset_index()


def _write_tsv(df: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        df.to_csv(tmp, sep="\t", index=False, float_format="%.4g")


def print_tables(table: pd.DataFrame, overhead: pd.DataFrame | None) -> str:
    lines = (
        []
        if table.empty
        else [
            f"{'model':<8}{'backend':<18}{'thr':>4}{'N':>7}{'p':>7}{'synapses':>10}{'ms':>6}{'setup s':>9}{'build s':>9}"
            f"{'run s (min-max)':>23}{'write s':>9}{'job s':>8}{'RTF':>7}{'peak MiB':>10}{'spikes/s':>10}{'Hz':>6}"
        ]
    )
    for r in table.itertuples():
        lines.append(
            f"{r.model:<8}{r.backend:<18}{r.threads:>4}{r.n_cells:>7}{r.p_connect:>7g}{r.n_synapses:>10}{r.t_stop_ms:>6g}{r.setup_s:>9.2f}"
            f"{r.build_s:>9.2f}{f'{r.run_s:.2f} ({r.run_s_min:.2f}-{r.run_s_max:.2f})':>23}{r.write_s:>9.2f}{r.job_s:>8.1f}"
            f"{r.rtf:>7.2f}{r.peak_mb:>10.0f}{r.spikes_per_s:>10.0f}{r.rate_hz:>6.1f}"
        )
    if overhead is not None and len(overhead):
        lines.append("")
        lines.append(
            f"{'overhead':<10}{'N':>6}{'bare script s':>15}{'our job s':>11}{'ratio':>20}{'snakemake call s':>18}"
        )
        for r in overhead.itertuples():
            lines.append(
                f"{r.backend:<10}{r.n_cells:>6}{r.bare_s:>15.1f}{r.job_s:>11.1f}"
                f"{f'{r.ratio:.2f} ({r.ratio_min:.2f}-{r.ratio_max:.2f})':>20}{r.snakemake_s:>18.1f}"
            )
    text = "\n".join(lines)
    print(text)
    return text


def _finish(table: pd.DataFrame, overhead: pd.DataFrame | None, out: Path, figure: Path, subtitle: str) -> None:
    from vabench.figures.bench import bench_figure

    bench_figure(table, overhead, figure, subtitle)
    text = print_tables(table, overhead)
    with atomic_path(out / "bench.txt") as tmp:
        Path(tmp).write_text(text + "\n")


def redraw(out: Path, figure: Path) -> None:
    """The figure and bench.txt again from the stored tables (no simulation)."""
    info = json.loads((out / "bench.json").read_text())
    overhead = pd.read_csv(out / "overhead.tsv", sep="\t") if (out / "overhead.tsv").exists() else None
    _finish(pd.read_csv(out / "bench.tsv", sep="\t"), overhead, out, figure, info["subtitle"])


def run_bench(config_path, out: Path, figure: Path, skip_overhead: bool = False) -> pd.DataFrame:
    bcfg = load_bench_config(config_path)
    t0 = time.perf_counter()
    started = _dt.datetime.now(_dt.timezone.utc)
    warm = _warm_up(out, bcfg)
    repeats = bench_all(bcfg, out)
    _write_tsv(repeats, out / "repeats.tsv")
    table = summarise(repeats)
    _write_tsv(table, out / "bench.tsv")
    overhead = None if skip_overhead or not bcfg["overhead"]["backends"] else bench_overhead(bcfg, out)
    if overhead is not None:
        _write_tsv(overhead, out / "overhead.tsv")
    if bcfg["map"]["runs"]:
        maps = map_throughput(bcfg, out)
        _write_tsv(maps, out / "map_throughput.tsv")
    from vabench.provenance import git_commit

    subtitle = f"{platform.node()}, {os.cpu_count()} cores, {started:%Y-%m-%d}"
    _finish(table, overhead, out, figure, subtitle)
    write_json(
        out / "bench.json",
        {
            "config": bcfg,
            "warm_up_s": warm,
            "wall_s": time.perf_counter() - t0,
            "subtitle": subtitle,
            "started_utc": started.isoformat(),
            "host": platform.node(),
            "cpus": os.cpu_count(),
            "workflow_commit": git_commit(),
        },
    )
    if bcfg["map"]["runs"]:
        text = print_map_table(maps)
        with open(out / "bench.txt", "a") as fh:
            fh.write("\n" + text + "\n")
    log.info("bench done in %.0f s", time.perf_counter() - t0)
    return table


ROW_SNIPPET = """
import json, sys
from vabench.config import validate_config
from vabench.simulate import simulate_row
cfg = validate_config(json.loads(sys.argv[1]))
simulate_row(sys.argv[2], sys.argv[3], float(sys.argv[4]), json.loads(sys.argv[5]), cfg, json.loads(sys.argv[6]))
"""


def _run_row(cfg, net, backend, g_exc, g_inh, out_dirs, env=None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            ROW_SNIPPET,
            json.dumps(cfg),
            str(net),
            backend,
            str(g_exc),
            json.dumps(g_inh),
            json.dumps([str(d) for d in out_dirs]),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{backend} map job failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return time.perf_counter() - t0


def map_throughput(bcfg: dict, out: Path) -> pd.DataFrame:
    """One map job per engine, as the workflow runs it: ``points`` weight sets (g_exc 4 nS, g_inh
    from 51 nS up) on one N-cell network in one fresh process, every compile cache empty
    (brian2-standalone compiles its project inside the timed job). Network-seconds simulated
    per wall-second, the ratio to NEST, and the fixed cost per point against its run time."""
    m = bcfg["map"]
    cfg = validate_config(
        {
            "network": {"n_cells": m["n_cells"]},
            "simulation": {"t_stop_ms": m["t_stop_ms"], "threads": 1},
            "record": {"n_traced": 0},
            **_short_run_settings(m["t_stop_ms"]),
        }
    )
    net = _stored_network(out, cfg)
    rows = []
    for entry in m["runs"]:
        backend = entry["backend"]
        g_inh = [51.0 + 0.25 * i for i in range(entry["points"])]  # around the benchmark point
        work = (out / "map" / backend).resolve()  # absolute: the engine runs its binary from another folder
        shutil.rmtree(work, ignore_errors=True)
        dirs = [work / f"p{i}" for i in range(len(g_inh))]
        # a cold compile cache for the engines that keep one (brian2-standalone)
        env = dict(os.environ, VABENCH_STANDALONE_CACHE=str(work / "standalone-cache"))
        wall = _run_row(cfg, net, backend, 4.0, g_inh, dirs, env=env)
        records = [json.loads((d / "run.json").read_text()) for d in dirs]
        run = sum(r["timings_s"]["run_s"] for r in records)
        build = sum(r["timings_s"]["build_s"] for r in records)
        sim_s = len(records) * m["t_stop_ms"] / 1000.0
        row = {
            "backend": backend,
            "n_cells": m["n_cells"],
            "t_stop_ms": m["t_stop_ms"],
            "points": len(records),
            "wall_s": wall,
            "run_s_per_point": run / len(records),
            "build_s_first": records[0]["timings_s"]["build_s"],
            "build_s_later": (build - records[0]["timings_s"]["build_s"]) / max(len(records) - 1, 1),
            "fixed_s_per_point": (wall - run) / len(records),
            "net_s_per_wall_s": sim_s / wall,
            "sustained_points": sum(r["n_spikes"]["exc"] > 0 for r in records),
        }
        row["fixed_over_run"] = row["fixed_s_per_point"] / row["run_s_per_point"]
        rows.append(row)
        log.info(
            "map %s: %d points of %g ms at N=%d in %.1f s wall (%.2f network-s per wall-s; fixed %.2f s per point, "
            "run %.2f s)",
            backend,
            len(records),
            m["t_stop_ms"],
            m["n_cells"],
            wall,
            row["net_s_per_wall_s"],
            row["fixed_s_per_point"],
            row["run_s_per_point"],
        )
    df = pd.DataFrame(rows)
    ref = df.loc[df["backend"] == "nest", "net_s_per_wall_s"]
    df["speed_vs_nest"] = df["net_s_per_wall_s"] / float(ref.iloc[0]) if len(ref) else float("nan")
    return df


def print_map_table(df: pd.DataFrame) -> str:
    lines = [
        f"map job: {df['t_stop_ms'].iloc[0]:g} ms per point at N={int(df['n_cells'].iloc[0])}, "
        "one fresh process per engine, compile caches cold",
        f"{'engine':<19}{'points':>7}{'wall s':>8}{'run s/pt':>10}{'1st build s':>12}{'build s/pt':>11}{'fixed s/pt':>11}"
        f"{'fixed/run':>10}{'net-s/wall-s':>13}{'x NEST':>8}",
    ]
    for r in df.itertuples():
        lines.append(
            f"{r.backend:<19}{r.points:>7}{r.wall_s:>8.1f}{r.run_s_per_point:>10.2f}{r.build_s_first:>12.1f}{r.build_s_later:>11.2f}"
            f"{r.fixed_s_per_point:>11.2f}{r.fixed_over_run:>10.0%}{r.net_s_per_wall_s:>13.2f}{r.speed_vs_nest:>8.1f}"
        )
    text = "\n".join(lines)
    print(text)
    return text


def sweep_overhead(n_cells: int, t_stop_ms: float, n_single: int, n_row: int, backend: str) -> list[dict]:
    cfg = validate_config(
        {
            "network": {"n_cells": n_cells},
            "simulation": {"t_stop_ms": t_stop_ms},
            "record": {"n_traced": 0},
            **_short_run_settings(t_stop_ms),
        }
    )
    g_exc = 4.0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        net = tmp / "network.npz"
        save_network(net, build_network(network_params(cfg)))
        # one process per point (the cost of a job per point)
        walls, runs = [], []
        for i, gi in enumerate([51.0 + i for i in range(n_single)]):
            d = tmp / f"single{i}"
            walls.append(_run_row(cfg, net, backend, g_exc, [gi], [d]))
            runs.append(json.loads((d / "run.json").read_text())["timings_s"]["run_s"])
        rows.append(_row("one process per point", n_single, sum(walls), sum(runs)))
        # one process per row
        g_inh = [51.0 + i for i in range(n_row)]
        dirs = [tmp / f"row{i}" for i in range(n_row)]
        wall = _run_row(cfg, net, backend, g_exc, g_inh, dirs)
        runs = [json.loads((d / "run.json").read_text())["timings_s"]["run_s"] for d in dirs]
        rows.append(_row("one process per row", n_row, wall, sum(runs)))
    return rows


def _row(mode, n, wall, run):
    fixed = (wall - run) / n
    return {
        "mode": mode,
        "points": n,
        "wall_s": wall,
        "run_s_per_point": run / n,
        "fixed_s_per_point": fixed,
        "fixed_over_run": fixed / (run / n),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("all", help="every backend x network size, and the overhead against a bare script")
    a.add_argument("--config", default=str(ROOT / "config" / "bench.yaml"))
    a.add_argument("--out", type=Path, default=Path("results/bench"))
    a.add_argument("--figure", type=Path, default=Path("results/figures/bench.png"))
    a.add_argument("--skip-overhead", action="store_true")
    r = sub.add_parser("redraw", help="the figure and the printed table again from results/bench/*.tsv")
    r.add_argument("--out", type=Path, default=Path("results/bench"))
    r.add_argument("--figure", type=Path, default=Path("results/figures/bench.png"))
    o = sub.add_parser("overhead", help="only our simulate job against the bare PyNN script")
    o.add_argument("--config", default=str(ROOT / "config" / "bench.yaml"))
    o.add_argument("--out", type=Path, default=Path("results/bench"))
    mt = sub.add_parser("map-throughput", help="only the map job per engine (results/bench/map_throughput.tsv)")
    mt.add_argument("--config", default=str(ROOT / "config" / "bench.yaml"))
    mt.add_argument("--out", type=Path, default=Path("results/bench"))
    p = sub.add_parser("sweep-overhead")
    p.add_argument("--n-cells", type=int, default=4000)
    p.add_argument("--t-stop-ms", type=float, default=1000.0)
    p.add_argument("--points-single", type=int, default=3, help="points run one process each")
    p.add_argument("--points-row", type=int, default=11, help="points run in one process (a map row)")
    p.add_argument("--backend", default="nest")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.command == "redraw":
        redraw(args.out, args.figure)
        return 0
    if args.command == "map-throughput":
        try:
            bcfg = load_bench_config(args.config)
        except ConfigError as err:
            print(f"vabench bench: {err}", file=sys.stderr)
            return 2
        if not bcfg["map"]["runs"]:
            print(f"vabench bench: no map runs in '{args.config}' (map.runs is empty)", file=sys.stderr)
            return 2
        maps = map_throughput(bcfg, args.out)
        _write_tsv(maps, args.out / "map_throughput.tsv")
        print_map_table(maps)
        return 0
    if args.command in ("all", "overhead"):
        try:
            if args.command == "all":
                run_bench(args.config, args.out, args.figure, args.skip_overhead)
            else:
                overhead = bench_overhead(load_bench_config(args.config), args.out)
                _write_tsv(overhead, args.out / "overhead.tsv")
                print_tables(pd.DataFrame(), overhead)
        except ConfigError as err:
            print(f"vabench bench: {err}", file=sys.stderr)
            return 2
        return 0
    rows = sweep_overhead(args.n_cells, args.t_stop_ms, args.points_single, args.points_row, args.backend)
    print(f"sweep fixed cost per point: {args.backend}, N={args.n_cells}, {args.t_stop_ms:g} ms")
    print(f"{'mode':<24}{'points':>7}{'wall s':>9}{'run s/pt':>10}{'fixed s/pt':>12}{'fixed/run':>11}")
    for r in rows:
        print(
            f"{r['mode']:<24}{r['points']:>7}{r['wall_s']:>9.1f}{r['run_s_per_point']:>10.2f}{r['fixed_s_per_point']:>12.2f}{r['fixed_over_run']:>10.0%}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
