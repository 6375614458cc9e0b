"""pip-conda: the `conda` that `snakemake --sdm conda` calls, for machines WITHOUT conda.

Real conda users: ignore this folder and run `snakemake --sdm conda` with your own conda;
the env files under envs/ are ordinary conda env files.

On a machine with no conda (CI, the project's dev machines, where no conda channel is
reachable), `bin/conda` (first on PATH, see `make envs-check`) answers the few calls that
Snakemake's conda deployment makes (snakemake/deployment/conda.py, 9.x):

    type conda; conda --version; conda info --json;
    conda config --get channel_priority --json;
    conda env create --quiet --no-default-packages --file "<env>.yaml" --prefix "<path>"
    conda clean ...   (only with --conda-cleanup-pkgs: nothing to clean)

and builds each env as a virtual environment (`python3.X -m venv <path>`) into which pip
installs exactly the env file's `pip:` section. An env file may list nothing else than
`python` (its version picks the interpreter), `pip` and the `pip:` section: anything else
is a conda package pip cannot provide, and the build fails naming it. Snakemake then
activates an env with `source <conda_prefix>/bin/activate '<env path>'` (bin/activate here)
and runs a rule's script with that env's `python`; a `<env>.post-deploy.sh` next to the env
file is run by Snakemake inside the new env, as with conda.

Every env gets a small import guard (env_guard.py): Snakemake appends its own process's
sys.path to a script's, so a module missing from an env would silently be imported from
the Snakemake installation; the guard makes that an error that names the module.
"""

from __future__ import annotations

import json
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHIM = "pip-conda"
# Snakemake refuses a conda older than its MIN_CONDA_VER (24.7.1 in 9.27); answer that version.
FALLBACK_VERSION = "24.7.1"
GUARD = "_pip_conda_env_guard"


class ShimError(Exception):
    pass


def conda_version() -> str:
    try:
        from snakemake.deployment.conda import MIN_CONDA_VER

        return MIN_CONDA_VER
    except Exception:  # noqa: BLE001 - any snakemake: answer a version that it accepts
        return FALLBACK_VERSION


def conda_platform() -> str:
    system = {"Linux": "linux", "Darwin": "osx"}.get(platform.system(), platform.system().lower())
    machine = {"x86_64": "64", "AMD64": "64", "arm64": "arm64", "aarch64": "aarch64"}.get(
        platform.machine(), platform.machine()
    )
    return f"{system}-{machine}"


def info() -> dict:
    return {
        "conda_prefix": str(HERE),  # Snakemake sources <conda_prefix>/bin/activate
        "root_prefix": str(HERE),
        "platform": conda_platform(),
        "conda_version": conda_version(),
        "envs_dirs": [],
        "pip_conda_shim": True,
    }


def parse_env_file(path: Path) -> tuple[str | None, list[str], str]:
    """(python version or None, pip requirement lines, env name) of a conda env file."""
    import yaml

    spec = yaml.safe_load(path.read_text()) or {}
    python, pip_reqs, foreign = None, [], []
    for dep in spec.get("dependencies") or []:
        if isinstance(dep, dict):
            for key, value in dep.items():
                if key == "pip":
                    pip_reqs.extend(str(v) for v in value or [])
                else:
                    foreign.append(f"{key}: {value}")
            continue
        dep = str(dep).strip()
        m = re.fullmatch(r"(?:[\w.-]+::)?([A-Za-z0-9_.-]+)\s*(.*)", dep)
        name, constraint = (m.group(1), m.group(2)) if m else (dep, "")
        if name == "python":
            v = re.search(r"(\d+)\.(\d+)", constraint)
            python = f"{v.group(1)}.{v.group(2)}" if v else None
        elif name == "pip":
            pass
        else:
            foreign.append(dep)
    if foreign:
        raise ShimError(
            f"{path}: conda package(s) {', '.join(foreign)} cannot be installed by pip-conda (the stand-in "
            "conda for machines without conda builds an env from its `pip:` section only); list the "
            "package in the `pip:` section instead, or build the env with a real conda"
        )
    return python, pip_reqs, str(spec.get("name") or path.stem)


def find_python(version: str | None) -> str:
    candidates = [f"python{version}"] if version else []
    candidates += ["python3", sys.executable]
    for cand in candidates:
        exe = shutil.which(cand) or (cand if Path(cand).is_file() else None)
        if not exe:
            continue
        out = subprocess.run(
            [exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True
        )
        if out.returncode == 0 and (version is None or out.stdout.strip() == version):
            return exe
    raise ShimError(
        f"no Python {version} interpreter found on PATH (tried {', '.join(candidates)}); the env file asks for python={version}"
    )


def run(cmd: list[str], **kw) -> None:
    print("+", " ".join(cmd), flush=True)
    proc = subprocess.run(cmd, **kw)
    if proc.returncode != 0:
        raise ShimError(f"command failed ({proc.returncode}): {' '.join(cmd)}")


def env_create(env_file: Path, prefix: Path) -> None:
    start = time.monotonic()
    python_version, reqs, name = parse_env_file(env_file)
    if prefix.exists() and any(prefix.iterdir()):
        raise ShimError(f"{prefix} exists and is not empty")
    python = find_python(python_version)
    run([python, "-m", "venv", str(prefix)])
    env_python = str(prefix / "bin" / "python")
    req_file = prefix / "pip-conda-requirements.txt"
    req_file.write_text("".join(f"{r}\n" for r in reqs))
    if reqs:
        # --no-compile: byte-compiling every file was 60 % of a build; a job compiles what it imports
        pip = [env_python, "-m", "pip", "install", "--no-input", "--progress-bar", "off", "--quiet", "--no-compile"]
        run([*pip, "-r", str(req_file)])
    site = subprocess.run(
        [env_python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    guard = (HERE / "env_guard.py").read_text().replace("ENV_NAME = None", f"ENV_NAME = {name!r}", 1)
    Path(site, f"{GUARD}.py").write_text(guard)
    Path(site, f"{GUARD}.pth").write_text(f"import {GUARD}\n")
    record = {
        "built_by": SHIM,
        "env_name": name,
        "python": python_version,
        "pip": reqs,
        "build_seconds": round(time.monotonic() - start, 1),
    }
    (prefix / "pip-conda.json").write_text(json.dumps(record, indent=1) + "\n")
    print(f"{SHIM}: built {name} in {prefix} (Python {python_version}, {len(reqs)} pip requirements)", flush=True)


def option(args: list[str], flag: str) -> str:
    for i, a in enumerate(args):
        if a == flag and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(flag + "="):
            return a.split("=", 1)[1]
    raise ShimError(f"missing {flag}")


def main(argv: list[str]) -> int:
    args = [a for a in argv if a not in ("--quiet", "-q", "--yes", "-y", "--no-default-packages", "--json")]
    if args in (["--version"], ["-V"]):
        print(f"conda {conda_version()}")
        return 0
    if args[:1] == ["info"]:
        print(json.dumps(info(), indent=1))
        return 0
    if args[:3] == ["config", "--get", "channel_priority"]:
        print(json.dumps({"get": {"channel_priority": "strict"}, "rc_path": None, "success": True, "warnings": []}))
        return 0
    if args[:1] == ["clean"]:
        return 0
    if args[:2] == ["env", "create"]:
        env_create(Path(option(args, "--file")), Path(option(args, "--prefix")))
        return 0
    raise ShimError(
        f"`conda {' '.join(argv)}` is not supported: this is pip-conda, the stand-in conda for machines "
        "without conda (it builds env files with pip); use a real conda for this"
    )


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except ShimError as err:
        print(f"{SHIM}: error: {err}", file=sys.stderr)
        sys.exit(1)
