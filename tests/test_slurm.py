"""The SLURM profile on a real one-node cluster: a small study (NEST, one weight set, two seeds
with a replicate each, no map) through ``snakemake --profile profiles/slurm`` goes to SLURM as a
few group jobs, not one sbatch job per rule and run, and gives the same summary table as a
local run.

The cluster (tests/slurm_cluster.py) is started here and stopped at the end; the test is
skipped only where SLURM cannot be installed or started (no root, no apt-get, ...).
"""

import os
import pwd
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT, TINY, copy_workflow, run_snakemake
from slurm_cluster import SlurmCluster, ensure_slurm, program

pytestmark = pytest.mark.slow

TARGET = "results/stats/summary.tsv"
RULES = {"build_network", "simulate", "extract", "run_statistics", "summary"}
# this cluster's one node has the machine's cores (2 in CI): two simulations per group job here,
# five in the profile (real nodes have more cores)
SIMULATIONS_PER_JOB = 2
# run.json timings and memory: the only columns of the table that differ between two runs
MEASURED = ["build_s", "run_s", "setup_s", "read_s", "write_s", "peak_memory_mb"]

# The pinned plugin (1.4.0) asks `sacct` for job states; a cluster without an accounting
# database has no sacct data ("Slurm accounting storage is disabled"), so for the test the
# query is answered from slurmctld's own job table, which keeps finished jobs for
# MinJobAge (600 s): the same answer newer plugins get with --slurm-status-command squeue.
SACCT_SHIM = """#!/bin/sh
# test stand-in for sacct (no accounting database): answers `sacct ... --name NAME`
name=""; prev=""
for a in "$@"; do [ "$prev" = "--name" ] && name="$a"; prev="$a"; done
[ -n "$name" ] || exit 0
exec squeue --noheader --states=all --name "$name" --format "%i|%T"
"""


@pytest.fixture(scope="module")
def slurm_cluster():
    reason = ensure_slurm()
    if reason:
        pytest.skip(f"no SLURM test cluster: {reason}")
    cluster = SlurmCluster()
    try:
        cluster.start()
    except (RuntimeError, OSError) as err:
        cluster.stop()
        pytest.skip(f"the SLURM test cluster did not start: {str(err)[:2000]}")
    yield cluster
    cluster.stop()


def small_study(workdir: Path) -> Path:
    cfg = yaml.safe_load(TINY.read_text())
    cfg["backends"] = ["nest"]
    cfg["weights"] = cfg["weights"][:1]
    cfg["sweep"] = {"backends": []}
    cfg["ensemble"] = {"seeds": [2, 3], "replicates": 1}
    (workdir / "small.yaml").write_text(yaml.safe_dump(cfg))
    return workdir


def test_tiny_study_on_slurm_matches_local_run(slurm_cluster, tmp_path):
    local = small_study(copy_workflow(tmp_path / "local"))
    start = time.monotonic()
    run_snakemake(local, "--profile", ROOT / "profiles" / "local", "--configfile", "small.yaml", "--", TARGET)
    local_s = time.monotonic() - start

    cluster = small_study(copy_workflow(tmp_path / "slurm"))
    shim = tmp_path / "bin" / "sacct"
    shim.parent.mkdir()
    shim.write_text(SACCT_SHIM)
    shim.chmod(0o755)
    venv_bin = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=os.pathsep.join([str(shim.parent), venv_bin, os.environ.get("PATH", "")]))
    env.setdefault("USER", pwd.getpwuid(os.getuid()).pw_name)  # the plugin reads $USER
    env = {k: v for k, v in env.items() if not k.startswith("SLURM_")}
    # The plugin polls job states every 40 s: each step of the chain of group jobs costs one poll.
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--profile",
        str(ROOT / "profiles" / "slurm"),
        "--configfile",
        "small.yaml",
        "--group-components",
        f"simulate={SIMULATIONS_PER_JOB}",
        "analysis=1000",
        "aggregate=1000",
        "--",
        TARGET,
    ]
    start = time.monotonic()
    proc = subprocess.run(
        cmd, cwd=cluster, env=env, capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL
    )
    slurm_s = time.monotonic() - start
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, (
        f"snakemake on SLURM failed ({proc.returncode}):\n{out[-6000:]}\n{slurm_cluster.logs()}"
    )
    print(f"\nsmall study (nest, 4 networks, 1 weight set): local {local_s:.0f} s, SLURM {slurm_s:.0f} s")

    # 11 jobs, 4 sbatch jobs: the 4 simulations in groups of 2, the two analysis stages in one,
    # the summary in one; the 4 network builds (a second each) ran where Snakemake runs
    submitted = re.findall(r"has been submitted with SLURM jobid (\d+) \(log: \S*/slurm_logs/(\w+)/", out)
    groups = sorted(kind.split("_")[1] for _, kind in submitted)  # log folder: group_<group>_<rules>
    assert groups == ["aggregate", "analysis", "simulate", "simulate"], (submitted, out[-6000:])
    assert all(kind.startswith("group_") for _, kind in submitted), submitted
    assert set(re.findall(r"Finished jobid: \S+ \(Rule: (\w+)\)", out)) == RULES, out[-6000:]
    assert len(re.findall(r"localrule build_network:", out)) == 4, out[-6000:]
    # ... and SLURM ran them, a simulation group with its two simulations' cores, memory and time limit
    fields = subprocess.run(
        [program("squeue"), "--noheader", "--states=all", "--format", "%i %T %C %m %l"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    jobs = {line.split()[0]: line.split()[1:] for line in fields}
    assert all(jobs[job][0] == "COMPLETED" for job, _ in submitted), (submitted, jobs)
    simulate_jobs = [job for job, kind in submitted if kind.startswith("group_simulate")]
    assert all(jobs[job][1:] == ["2", "5000M", "30:00"] for job in simulate_jobs), jobs

    # the same numbers as the local run
    local_table = pd.read_csv(local / TARGET, sep="\t").drop(columns=MEASURED)
    slurm_table = pd.read_csv(cluster / TARGET, sep="\t").drop(columns=MEASURED)
    assert len(local_table) == 8 and set(local_table["backend"]) == {"nest"}
    pd.testing.assert_frame_equal(slurm_table, local_table)
