"""Benchmarks that print a table (run on a quiet machine; compare ratios within one run).

``python -m vabench.bench sweep-overhead`` measures the fixed cost per sweep point (process
start, imports, loading the network, building, writing) against the simulation itself, once
with one process per point (a job per point) and once with one process per grid row.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vabench.config import network_params, validate_config
from vabench.network import build_network, save_network

ROW_SNIPPET = """
import json, sys
from vabench.config import validate_config
from vabench.sweep import simulate_row
cfg = validate_config(json.loads(sys.argv[1]))
simulate_row(sys.argv[2], sys.argv[3], float(sys.argv[4]), json.loads(sys.argv[5]), cfg, json.loads(sys.argv[6]))
"""


def _run_row(cfg, net, backend, g_exc, g_inh, out_dirs) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", ROW_SNIPPET, json.dumps(cfg), str(net), backend, str(g_exc), json.dumps(g_inh),
                    json.dumps([str(d) for d in out_dirs])], check=True, capture_output=True)
    return time.perf_counter() - t0


def sweep_overhead(n_cells: int, t_stop_ms: float, n_single: int, n_row: int, backend: str) -> list[dict]:
    cfg = validate_config({"network": {"n_cells": n_cells}, "simulation": {"t_stop_ms": t_stop_ms}, "record": {"n_traced": 0}})
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
    return {"mode": mode, "points": n, "wall_s": wall, "run_s_per_point": run / n, "fixed_s_per_point": fixed,
            "fixed_over_run": fixed / (run / n)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sweep-overhead")
    p.add_argument("--n-cells", type=int, default=4000)
    p.add_argument("--t-stop-ms", type=float, default=1000.0)
    p.add_argument("--points-single", type=int, default=3, help="points run one process each")
    p.add_argument("--points-row", type=int, default=11, help="points run in one process (a map row)")
    p.add_argument("--backend", default="nest")
    args = parser.parse_args(argv)
    rows = sweep_overhead(args.n_cells, args.t_stop_ms, args.points_single, args.points_row, args.backend)
    print(f"sweep fixed cost per point: {args.backend}, N={args.n_cells}, {args.t_stop_ms:g} ms")
    print(f"{'mode':<24}{'points':>7}{'wall s':>9}{'run s/pt':>10}{'fixed s/pt':>12}{'fixed/run':>11}")
    for r in rows:
        print(f"{r['mode']:<24}{r['points']:>7}{r['wall_s']:>9.1f}{r['run_s_per_point']:>10.2f}{r['fixed_s_per_point']:>12.2f}{r['fixed_over_run']:>10.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
