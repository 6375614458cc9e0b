"""The workflow's own form: snakefmt and snakemake --lint are clean, and every preset schedules."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

PRESETS = sorted((ROOT / "config" / "presets").glob("*.yaml"))
BIN = Path(sys.executable).parent


def test_snakefmt_is_clean():
    snakefmt = shutil.which("snakefmt", path=str(BIN)) or shutil.which("snakefmt")
    assert snakefmt, "snakefmt is in requirements.txt; run make setup"
    proc = subprocess.run(
        [snakefmt, "--check", "Snakefile", "workflow/rules"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_python_is_ruff_clean_and_formatted():
    ruff = shutil.which("ruff", path=str(BIN)) or shutil.which("ruff")
    assert ruff, "ruff is in requirements.txt; run make setup"
    for args in (["check", "."], ["format", "--check", "."]):  # settings in pyproject.toml
        proc = subprocess.run([ruff, *args], cwd=ROOT, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_snakemake_lint_is_clean():
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--lint"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0 and "Congratulations" in proc.stdout + proc.stderr, proc.stdout + proc.stderr


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_every_preset_schedules(preset, tmp_path):
    assert PRESETS
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "-n",
            "--cores",
            "2",
            "--quiet",
            "rules",
            "--directory",
            str(tmp_path),
            "--snakefile",
            str(ROOT / "Snakefile"),
            "--configfile",
            str(ROOT / "config" / "config.yaml"),
            str(preset),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "simulate" in proc.stdout
