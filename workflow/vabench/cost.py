"""What a finished workflow run cost, per rule, from Snakemake's ``benchmark:`` files.

Every rule writes one benchmark TSV per job under ``benchmarks/<rule>/...`` (the first folder
is the rule, the folders below it are wildcards). A Snakemake 9 file has a header and one row
per repeat: ``s  h:m:s  max_rss  max_vms  max_uss  max_pss  io_in  io_out  mean_load  cpu_time``
(``s`` wall seconds, ``cpu_time`` CPU seconds, memory in MB; ``NA`` or ``-`` where nothing was
measured). A job with several repeats counts the mean of its rows.

``python -m vabench.cost [--benchmarks DIR] [--out TSV]`` prints one row per rule, sorted by
total wall time, then the wall and CPU time of the simulation rules (name starting with
``simulate``) against everything else: the study targets the others at <= 25 % of the
simulations' wall time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from vabench.io import atomic_path

SIMULATION_PREFIXES = ("simulate",)  # simulate, simulate_map, simulate_check, ...
TARGET_OTHERS_OVER_SIMULATION = 0.25
MISSING = ["NA", "-"]  # Snakemake's "not measured" (NA) and its None (-)
COLUMNS = [
    "rule",
    "kind",
    "jobs",
    "wall_s_total",
    "wall_s_mean",
    "cpu_s_total",
    "cpu_s_mean",
    "max_rss_mb",
    "wall_share_pct",
]


class CostError(Exception):
    """No benchmarks to read, or a file that is not a Snakemake benchmark file (one line)."""


def read_benchmark(path: Path) -> dict:
    """One job: wall s, CPU s and max RSS (MB), each the mean over its repeat rows."""
    try:
        rows = pd.read_csv(path, sep="\t", na_values=MISSING)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise CostError(f"'{path}' is not a Snakemake benchmark file: {err}".replace("\n", " ")) from None
    if "s" not in rows or rows.empty:
        raise CostError(f"'{path}' is not a Snakemake benchmark file (no 's' column or no rows)")
    values = rows.reindex(columns=["s", "cpu_time", "max_rss"]).apply(pd.to_numeric, errors="coerce")
    return {"wall_s": values["s"].mean(), "cpu_s": values["cpu_time"].mean(), "max_rss_mb": values["max_rss"].mean()}


def job_costs(benchmarks_dir) -> pd.DataFrame:
    """One row per benchmark file: rule (first folder under ``benchmarks_dir``), job (the path
    below it), wall_s, cpu_s, max_rss_mb."""
    root = Path(benchmarks_dir)
    if not root.is_dir():
        raise CostError(f"no benchmarks folder '{root}' (run the workflow first, or pass --benchmarks DIR)")
    rows = []
    for path in sorted(root.rglob("*.tsv")):
        parts = path.relative_to(root).parts
        if len(parts) < 2:  # every rule's benchmark is benchmarks/<rule>/...
            raise CostError(f"'{path}' is not under a rule folder of '{root}'")
        rows.append({"rule": parts[0], "job": "/".join(parts[1:]), **read_benchmark(path)})
    if not rows:
        raise CostError(f"no benchmark files (*.tsv) under '{root}'")
    return pd.DataFrame(rows)


def rule_kind(rule: str, simulation_prefixes=SIMULATION_PREFIXES) -> str:
    return "simulation" if rule.startswith(tuple(simulation_prefixes)) else "workflow"


def cost_table(benchmarks_dir="benchmarks", simulation_prefixes=SIMULATION_PREFIXES) -> pd.DataFrame:
    """One row per rule (:data:`COLUMNS`), sorted by total wall time, longest first;
    ``wall_share_pct`` is the rule's share of the summed wall time of every job."""
    jobs = job_costs(benchmarks_dir)
    g = jobs.groupby("rule")
    table = pd.DataFrame(
        {
            "jobs": g.size(),
            "wall_s_total": g["wall_s"].sum(),
            "wall_s_mean": g["wall_s"].mean(),
            "cpu_s_total": g["cpu_s"].sum(min_count=1),
            "cpu_s_mean": g["cpu_s"].mean(),
            "max_rss_mb": g["max_rss_mb"].max(),
        }
    ).reset_index()
    table["kind"] = [rule_kind(r, simulation_prefixes) for r in table["rule"]]
    total = table["wall_s_total"].sum()
    table["wall_share_pct"] = 100.0 * table["wall_s_total"] / total if total > 0 else float("nan")
    return table.sort_values(["wall_s_total", "rule"], ascending=[False, True], ignore_index=True)[COLUMNS]


def cost_summary(table: pd.DataFrame) -> dict:
    """Wall and CPU seconds of the simulation rules and of the others, their ratio (others /
    simulation wall) and the number of jobs."""
    sim = table["kind"] == "simulation"
    out = {"jobs": int(table["jobs"].sum())}
    for name, rows in (("simulation", table[sim]), ("workflow", table[~sim])):
        out[f"{name}_wall_s"] = float(rows["wall_s_total"].sum())
        out[f"{name}_cpu_s"] = float(rows["cpu_s_total"].sum())
        out[f"{name}_jobs"] = int(rows["jobs"].sum())
    sim_wall = out["simulation_wall_s"]
    out["others_over_simulation"] = out["workflow_wall_s"] / sim_wall if sim_wall > 0 else float("nan")
    return out


def print_cost_table(table: pd.DataFrame) -> str:
    """The table and its summary lines as text (also printed)."""
    w = max([22, *map(len, table["rule"])]) + 2
    lines = [
        f"{'rule':<{w}}{'kind':<12}{'jobs':>6}{'wall s':>10}{'mean s':>9}{'CPU s':>10}{'mean CPU s':>11}"
        f"{'max RSS MB':>11}{'wall %':>8}"
    ]
    for r in table.itertuples():
        lines.append(
            f"{r.rule:<{w}}{r.kind:<12}{r.jobs:>6}{r.wall_s_total:>10.1f}{r.wall_s_mean:>9.2f}{r.cpu_s_total:>10.1f}"
            f"{r.cpu_s_mean:>11.2f}{r.max_rss_mb:>11.0f}{r.wall_share_pct:>7.1f}%"
        )
    s = cost_summary(table)
    ratio = s["others_over_simulation"]
    verdict = "n/a" if ratio != ratio else ("within" if ratio <= TARGET_OTHERS_OVER_SIMULATION else "over")
    lines += [
        "",
        f"simulation rules: {s['simulation_wall_s']:.1f} s wall, {s['simulation_cpu_s']:.1f} s CPU "
        f"({s['simulation_jobs']} jobs)",
        f"other rules:      {s['workflow_wall_s']:.1f} s wall, {s['workflow_cpu_s']:.1f} s CPU ({s['workflow_jobs']} jobs)",
        f"others / simulation wall: {ratio:.1%} (target <= {TARGET_OTHERS_OVER_SIMULATION:.0%}: {verdict})",
        f"jobs: {s['jobs']}",
    ]
    text = "\n".join(lines)
    print(text)
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--benchmarks", type=Path, default=Path("benchmarks"), help="Snakemake's benchmarks folder")
    parser.add_argument("--out", type=Path, help="also write the table as TSV")
    args = parser.parse_args(argv)
    try:
        table = cost_table(args.benchmarks)
    except CostError as err:
        print(f"vabench cost: {err}", file=sys.stderr)
        return 1
    print_cost_table(table)
    if args.out:
        with atomic_path(args.out) as tmp:
            table.to_csv(tmp, sep="\t", index=False, float_format="%.4g")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
