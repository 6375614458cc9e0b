"""The conda env files and the pip requirements carry the same pins."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def pins(lines):
    out = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            out[name.strip().lower()] = version.strip()
    return out


def test_env_files_match_requirements():
    required = pins((ROOT / "requirements.txt").read_text().splitlines())
    envs = sorted((ROOT / "envs").glob("*.yaml"))
    assert {e.stem for e in envs} >= {"analysis", "figures", "simulate-nest", "simulate-neuron", "simulate-brian2"}
    for env in envs:
        spec = yaml.safe_load(env.read_text())
        pip = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict))
        for name, version in pins(pip).items():
            assert required.get(name) == version, f"{env.name}: {name}=={version} but requirements.txt has {required.get(name)}"


def test_every_rule_env_exists():
    for smk in (ROOT / "workflow" / "rules").glob("*.smk"):
        for line in smk.read_text().splitlines():
            if line.strip().startswith('"../../envs/'):
                name = line.strip().strip('",').replace("../../envs/", "")
                if "{backend}" in name:
                    for b in ("nest", "neuron", "brian2"):
                        assert (ROOT / "envs" / name.replace("{backend}", b)).exists()
                else:
                    assert (ROOT / "envs" / name).exists(), name
