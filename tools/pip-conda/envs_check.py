"""`make envs-check` (and tests/test_envs.py): every rule runs inside the conda env its
`conda:` directive names.

Runs a tiny study (tests/data/envs-check.yaml: 500 cells, 300 ms, every backend that has an
envs/simulate-<backend>.yaml, a 2 x 2 map on NEST) with the real `snakemake --sdm conda`, in a
fresh copy of the workflow, with tools/pip-conda/bin first on PATH: it builds every env from
its pip section (each env's import guard turns a package missing from
an env into an error naming it). Then, from Snakemake's own job records, checks that every
rule ran at least once and every env file was used, and prints per env: its packages, build
time, disk size and the rules that ran in it.

    python tools/pip-conda/envs_check.py [--cache DIR] [--workdir DIR] [--keep] [--cores N]

Envs are cached under --cache (default $VABENCH_ENVS_CACHE or ~/.cache/vabench/conda-envs),
in a subfolder per version of the shim; Snakemake names each env by a hash of its file.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORKFLOW_FILES = ("Snakefile", "workflow", "config", "envs", "resources")  # as tests/conftest.py
CONFIG = ROOT / "tests" / "data" / "envs-check.yaml"
# rules that may run no job in the check, and why
EXEMPT = {
    "all": "target rule: no output, no conda env",
    "sweep": "target rule: no output, no conda env",
}


def cache_dir(base: Path) -> Path:
    """One folder per version of the shim: a changed shim builds its envs anew."""
    h = hashlib.sha256()
    for name in ("pip_conda.py", "env_guard.py", "bin/activate", "bin/conda"):
        h.update((HERE / name).read_bytes())
    return base / f"pip-conda-{h.hexdigest()[:8]}"


def copy_workflow(dest: Path) -> None:
    for name in WORKFLOW_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(src, dest / name)


def check_config(workdir: Path) -> Path:
    """tests/data/envs-check.yaml, with every backend that has an env file (new ones included)."""
    cfg = yaml.safe_load(CONFIG.read_text())
    found = [p.stem.removeprefix("simulate-") for p in sorted((ROOT / "envs").glob("simulate-*.yaml"))]
    cfg["backends"] = [b for b in cfg["backends"] if b in found] + [b for b in found if b not in cfg["backends"]]
    path = workdir / "envs-check.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def dir_size(path: Path) -> int:
    return sum(p.lstat().st_blocks * 512 for p in path.rglob("*") if not p.is_symlink())  # as du


def job_envs(workdir: Path) -> dict[str, set[str]]:
    """{rule: env files its jobs ran in}, from Snakemake's records of the outputs it made."""
    by_content = {p.read_bytes(): p.name for p in (workdir / "envs").glob("*.yaml")}
    ran: dict[str, set[str]] = {}
    for rec in (workdir / ".snakemake" / "metadata").iterdir():
        meta = json.loads(rec.read_text())
        env = meta.get("conda_env")
        name = by_content.get(base64.b64decode(env), "(an env that is no file of envs/)") if env else "(no conda env)"
        ran.setdefault(meta["rule"], set()).add(name)
    return ran


def failure_report(out: str, workdir: Path) -> str:
    """The errors of a failed run: each failed rule with its env file, the import errors, the logs' tails."""
    by_content = {p.read_bytes(): p.name for p in (workdir / "envs").glob("*.yaml")}
    failed = []
    for m in re.finditer(r"^Error in rule (\S+):\n((?:    .*\n)*)", out + "\n", re.M):
        env = re.search(r"^    conda-env: (.+)$", m.group(2), re.M)
        env_file = Path(env.group(1).strip() + ".yaml") if env else None
        name = (
            by_content.get(env_file.read_bytes(), env_file.name) if env_file and env_file.exists() else "no conda env"
        )
        failed.append(f"  rule {m.group(1)} in envs/{name}" if env else f"  rule {m.group(1)} (no conda env)")
    errors = dict.fromkeys(
        ln.strip()
        for ln in out.splitlines()
        if re.search(r"^\s*(\w+\.)*(ModuleNotFoundError|ImportError)\b|pip-conda env guard|pip-conda: error", ln)
    )
    logs = []
    for m in re.finditer(r"^\s+log: (\S+) \(check log", out, re.M):
        log = workdir / m.group(1)
        if log.exists() and log.stat().st_size:
            logs.append(f"--- {m.group(1)} (last lines)\n" + "\n".join(log.read_text().splitlines()[-15:]))
    return "\n".join(
        ["=== failed jobs ==="]
        + sorted(set(failed))
        + ["=== import errors ==="]
        + [f"  {e}" for e in errors]
        + logs
        + ["=== last lines of snakemake's output ==="]
        + out.splitlines()[-40:]
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_cache = os.environ.get("VABENCH_ENVS_CACHE") or Path.home() / ".cache" / "vabench" / "conda-envs"
    ap.add_argument("--cache", type=Path, default=Path(default_cache))
    ap.add_argument("--workdir", type=Path, help="default: a new temporary folder (kept if the check fails)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--cores", type=int, default=2)
    args = ap.parse_args(argv)

    prefix = cache_dir(args.cache.expanduser().resolve())
    prefix.mkdir(parents=True, exist_ok=True)
    workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="vabench-envs-check-"))).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    copy_workflow(workdir)
    config = check_config(workdir)
    env = dict(os.environ, MPLBACKEND="Agg", PIP_CONDA_PYTHON=sys.executable)
    # the stand-in conda first on PATH (a real conda, if any, is not used: this checks the env files' pip builds)
    env["PATH"] = os.pathsep.join([str(HERE / "bin"), str(Path(sys.executable).parent), env["PATH"]])
    before = {p.name for p in prefix.iterdir()}
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "all",
        "sweep",
        "--sdm",
        "conda",
        "--conda-prefix",
        str(prefix),
        "--cores",
        str(args.cores),
        "--configfile",
        str(config),
    ]
    print(f"envs-check: conda = tools/pip-conda; envs in {prefix}; study in {workdir}", flush=True)
    print("+ " + " ".join(cmd), flush=True)
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.monotonic() - start
    (workdir / "envs-check.log").write_text(proc.stdout)
    if proc.returncode != 0:
        print(failure_report(proc.stdout, workdir))
        print(
            f"envs-check: FAILED: snakemake exited with {proc.returncode} after {wall:.0f} s "
            f"(full output: {workdir / 'envs-check.log'})"
        )
        return 1

    rules = subprocess.run(
        [sys.executable, "-m", "snakemake", "--list-rules", "--configfile", str(config)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    ran = job_envs(workdir)
    problems = [f"rule {r} ran no job" for r in rules if r not in ran and r not in EXEMPT]
    problems += [f"rule {r} ran outside any conda env" for r, envs in ran.items() if "(no conda env)" in envs]
    used = {e for envs in ran.values() for e in envs}
    problems += [
        f"envs/{p.name} was used by no job" for p in sorted((workdir / "envs").glob("*.yaml")) if p.name not in used
    ]

    print(f"\nenvs-check: snakemake --sdm conda ran the study in {wall:.0f} s; rules per env:")
    for env_file in sorted((workdir / "envs").glob("*.yaml")):
        spec = yaml.safe_load(env_file.read_text())
        pip = next((d["pip"] for d in spec["dependencies"] if isinstance(d, dict) and "pip" in d), [])
        in_env = sorted(r for r, envs in ran.items() if env_file.name in envs)
        built = [
            p
            for p in prefix.iterdir()
            if p.is_dir()
            and (p.parent / f"{p.name}.yaml").exists()
            and (p.parent / f"{p.name}.yaml").read_bytes() == env_file.read_bytes()
        ]
        info = ""
        if built:
            rec = built[0] / "pip-conda.json"
            secs = json.loads(rec.read_text()).get("build_seconds") if rec.exists() else None
            done = built[0].parent / f"{built[0].name}.env_setup_done"
            if secs is not None and done.exists():  # + the post-deploy script, which runs between the two
                secs = round(secs + max(0.0, done.stat().st_mtime - rec.stat().st_mtime), 1)
            state = "built now" if built[0].name not in before else "cached"
            info = f"{state}{f' (build {secs} s)' if secs is not None else ''}, {dir_size(built[0]) / 2**20:.0f} MiB"
        print(f"  envs/{env_file.name}: {info}\n    pip: {' '.join(pip)}\n    rules: {', '.join(in_env) or '-'}")
    for r, why in EXEMPT.items():
        print(f"  (rule {r} not checked: {why})")
    if problems:
        print("envs-check: FAILED:\n  " + "\n  ".join(problems))
        print(f"(study kept in {workdir})")
        return 1
    print(f"envs-check: OK: all {len(rules) - len(EXEMPT)} rules with a script ran, each in its conda env")
    if not args.keep and args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
