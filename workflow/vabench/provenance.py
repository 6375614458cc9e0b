"""What a result was made from: the resolved configuration, its hash, versions, commit."""

from __future__ import annotations

import datetime as _dt
import platform
import subprocess
from pathlib import Path

import yaml

from vabench.config import config_hash
from vabench.io import atomic_path

ROOT = Path(__file__).resolve().parents[2]


def git_commit() -> str:
    """The workflow's commit, with ' + uncommitted changes' when the tree is dirty; 'unknown' outside git."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
        if commit.returncode != 0:
            return "unknown"
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return commit.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def reused_lines(provenance_tsv) -> list[str]:
    """Comment lines naming the runs made under an earlier configuration, grouped by kind,
    backend and the configuration they were made with (from ``provenance.tsv``)."""
    import pandas as pd

    df = pd.read_csv(provenance_tsv, sep="\t")
    reused = df[df["reused"].astype(str).str.lower() == "true"]
    if reused.empty:
        return [f"reused_runs: none (all {len(df)} runs were made under this configuration)"]
    lines = [
        f"reused_runs: {len(reused)} of {len(df)} runs were made under an earlier configuration and reused "
        "(an analysis-only change reruns no simulation); per row of results/stats/provenance.tsv:"
    ]
    for (kind, backend, own), g in reused.groupby(["run", "backend", "config_sha256"], sort=True):
        seeds = sorted(set(g["seed"]))
        lines.append(
            f"  {len(g)} {kind} run(s) of {backend}, seeds {', '.join(map(str, seeds[:12]))}"
            f"{' ...' if len(seeds) > 12 else ''}, made with config_sha256 {own}"
        )
    return lines


def write_resolved_config(cfg: dict, out, provenance_tsv=None) -> None:
    """The validated config with every default filled in, headed by its hash and provenance,
    and (given the study's ``provenance.tsv``) which runs were reused from earlier configurations."""
    header = {
        "config_sha256": config_hash(cfg),
        "workflow_commit": git_commit(),
        "host": platform.node(),
        "written_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    lines = [f"{k}: {v}" for k, v in header.items()] + (reused_lines(provenance_tsv) if provenance_tsv else [])
    text = "".join(f"# {line}\n" for line in lines) + yaml.safe_dump(cfg, sort_keys=False)
    with atomic_path(out) as tmp:
        tmp.write_text(text)


def run_provenance(cfg: dict) -> dict:
    """The whole resolved config of the study a run belongs to, and its hash, for run.json.

    Read from the workflow's config, not from the job's params, so that changing an
    analysis-only key does not rerun simulations: run.json keeps the config it ran with.
    """
    cfg = dict(cfg)
    return {"config": cfg, "config_sha256": config_hash(cfg)}
