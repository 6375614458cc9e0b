"""Run one stage by hand, on one file, without Snakemake (e.g. only the simulate step on a
simulator host). The workflow's scripts call the same functions.

    vabench check-config --configfile config/config.yaml
    vabench build-network --configfile config/config.yaml --out network.npz
    vabench simulate --network network.npz --backend nest --g-exc 4 --g-inh 51 --out-dir run/
    vabench extract --run-dir run/
    vabench stats --run-dir run/
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from vabench.config import ConfigError, load_config, network_name, network_params, validate_config, with_seed
from vabench.io import DamagedFileError


def _config(args) -> dict:
    return load_config(*args.configfile) if args.configfile else validate_config({})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="vabench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def with_config(p):
        p.add_argument("--configfile", action="append", default=[], help="YAML config; repeat to layer presets")
        return p

    with_config(sub.add_parser("check-config", help="validate the config and print the network name"))
    p = with_config(sub.add_parser("build-network", help="draw and store the network"))
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--seed", type=int, default=None, help="network seed (default: network.seed of the config)")
    p.add_argument("--replicate", type=int, default=0, help="replicate r > 0: the same network with one input spike moved by dt")
    p = with_config(sub.add_parser("simulate", help="simulate one weight set on one backend"))
    p.add_argument("--network", required=True, type=Path)
    p.add_argument("--backend", required=True)
    p.add_argument("--g-exc", required=True, type=float, help="excitatory weight (nS)")
    p.add_argument("--g-inh", required=True, type=float, help="inhibitory weight (nS)")
    p.add_argument("--out-dir", required=True, type=Path)
    p = sub.add_parser("extract", help="spike table and traces from a run folder")
    p.add_argument("--run-dir", required=True, type=Path)
    p = with_config(sub.add_parser("stats", help="per-cell and per-population statistics of a run folder"))
    p.add_argument("--run-dir", required=True, type=Path)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "check-config":
            cfg = _config(args)
            print(f"config valid; network {network_name(cfg)}")
        elif args.command == "build-network":
            from vabench.network import build_network, save_network

            cfg = _config(args)
            if args.seed is not None:
                cfg = with_seed(cfg, args.seed)
            if args.replicate < 0:
                raise ConfigError(f"'--replicate': {args.replicate} is not allowed; allowed values: 0, 1, 2, ...")
            save_network(args.out, build_network(network_params(cfg, args.replicate)))
        elif args.command == "simulate":
            from vabench.simulate import simulate

            cfg = _config(args)
            from vabench.backends import names

            if args.backend not in names():
                raise ConfigError(f"'--backend': {args.backend!r} is not allowed; allowed values: {', '.join(names())}")
            simulate(args.network, args.backend, args.g_exc, args.g_inh, cfg, args.out_dir)
        elif args.command == "extract":
            from vabench.extract import extract

            d = args.run_dir
            extract({"exc": d / "exc.neo.pkl", "inh": d / "inh.neo.pkl"}, d / "spikes.parquet", d / "traces.npz")
        elif args.command == "stats":
            from vabench.analysis import run_statistics

            d = args.run_dir
            run_statistics(d / "spikes.parquet", d / "run.json", _config(args)["analysis"], d / "cells.tsv", d / "summary.tsv",
                           d / "pairs.tsv")
    except (ConfigError, DamagedFileError) as err:
        print(f"vabench: {err}", file=sys.stderr)
        return 2
    return 0
