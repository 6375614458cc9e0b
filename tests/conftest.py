import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vabench.config import load_config, network_params
from vabench.network import build_network, save_network

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny.yaml"
WORKFLOW_FILES = ("Snakefile", "workflow", "config", "envs", "resources")
# the longest test files (CI durations), started first so that `make test`'s two workers
# (pytest-xdist, a file per worker) finish together
SLOW_FIRST = ("test_envs.py", "test_workflow.py", "test_slurm.py", "test_backends.py", "test_reliability.py")


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FIRST)))


def copy_workflow(dest: Path) -> Path:
    """A copy of the workflow (no results) in ``dest``, as a user's clone would be."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / name)
    return dest


def run_snakemake(workdir: Path, *args, check=True, timeout=1500):
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", *map(str, args)]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


@pytest.fixture(scope="session")
def tiny_config():
    return load_config(ROOT / "config" / "config.yaml", TINY)


@pytest.fixture(scope="session")
def tiny_network(tiny_config, tmp_path_factory):
    path = tmp_path_factory.mktemp("network") / "network.npz"
    save_network(path, build_network(network_params(tiny_config)))
    return path
