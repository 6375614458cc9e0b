"""Run one stage by hand, on one file, without Snakemake (e.g. only the simulate step on a
simulator host). The workflow's scripts call the same functions.

    vabench check-config --configfile config/config.yaml
    vabench build-network --configfile config/config.yaml --out network.npz
    vabench simulate --network network.npz --backend nest --g-exc 4 --g-inh 51 --out-dir run/
    vabench extract --run-dir run/        # per-cell, per-pair and population signals of the run
    vabench stats --run-dir run/          # its summary, PSDs and FOOOF fits
    vabench export-neo --run-dir run/     # its recordings as neo Blocks (exc.neo.pkl, inh.neo.pkl)
    vabench cost --benchmarks benchmarks/ # where a finished workflow run's time went, per rule
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from vabench.config import (
    ConfigError,
    load_config,
    network_name,
    network_params,
    run_params,
    validate_config,
    with_seed,
)
from vabench.io import DamagedFileError


def _config(args) -> dict:
    return load_config(*args.configfile) if args.configfile else validate_config({})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="vabench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def with_config(p):
        p.add_argument("--configfile", action="append", default=[], help="YAML config; repeat to layer presets")
        return p

    with_config(sub.add_parser("check-config", help="validate the config and print the network name"))
    p = with_config(sub.add_parser("build-network", help="draw and store the network"))
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--seed", type=int, default=None, help="network seed (default: network.seed of the config)")
    p.add_argument(
        "--replicate", type=int, default=0, help="replicate r > 0: the same network with one input spike moved by dt"
    )
    p = with_config(sub.add_parser("simulate", help="simulate one weight set on one backend"))
    p.add_argument("--network", required=True, type=Path)
    p.add_argument("--backend", required=True)
    p.add_argument("--g-exc", required=True, type=float, help="excitatory weight (nS)")
    p.add_argument("--g-inh", required=True, type=float, help="inhibitory weight (nS)")
    p.add_argument("--out-dir", required=True, type=Path)
    p = with_config(sub.add_parser("extract", help="per-cell, per-pair and population signals of a run folder"))
    p.add_argument("--run-dir", required=True, type=Path)
    p = with_config(sub.add_parser("stats", help="summary, PSDs and FOOOF fits of an extracted run folder"))
    p.add_argument("--run-dir", required=True, type=Path)
    p = sub.add_parser("export-neo", help="a run folder's recordings as neo Blocks")
    p.add_argument("--run-dir", required=True, type=Path)
    p.add_argument("--out-dir", type=Path, default=None, help="default: the run folder")
    p = sub.add_parser("cost", help="jobs, wall and CPU time per rule of a finished workflow run")
    p.add_argument("--benchmarks", type=Path, default=Path("benchmarks"), help="the run's benchmarks/ folder")
    p.add_argument("--out", type=Path, default=None, help="also write the table here (TSV)")

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
            simulate(args.network, args.backend, args.g_exc, args.g_inh, dict(cfg, **run_params(cfg)), args.out_dir)
        elif args.command == "extract":
            from vabench.extract import block_outputs, extract_block, run_dir_recordings

            cfg = _config(args)
            extract_block(
                run_dir_recordings(args.run_dir), cfg["analysis"], cfg["spectra"], block_outputs(args.run_dir)
            )
        elif args.command == "stats":
            from vabench.extract import block_outputs
            from vabench.run_analysis import analyse_block, analysis_outputs

            cfg = _config(args)
            d, extracted = args.run_dir, block_outputs(args.run_dir)
            if not extracted["signals"].exists():
                raise ConfigError(f"'{d}' has no extracted tables; run first: vabench extract --run-dir {d}")
            analyse_block(
                [(d / "spikes.parquet", d / "run.json")],
                extracted["cell_summary"],
                extracted["signals"],
                cfg["analysis"],
                cfg["spectra"],
                analysis_outputs(d),
            )
        elif args.command == "export-neo":
            from vabench.neo_export import export_neo

            for path in export_neo(args.run_dir, args.out_dir):
                print(path)
        elif args.command == "cost":
            from vabench.cost import main as cost_main

            return cost_main(["--benchmarks", str(args.benchmarks)] + (["--out", str(args.out)] if args.out else []))
    except (ConfigError, DamagedFileError) as err:
        print(f"vabench: {err}", file=sys.stderr)
        return 2
    return 0
