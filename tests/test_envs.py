"""The conda env files: the same pins as requirements.txt, every import of a rule's code provided
by its env (static), and every rule really running in its env (`make envs-check`)."""

import ast
import functools
import importlib.metadata as md
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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
            assert required.get(name) == version, (
                f"{env.name}: {name}=={version} but requirements.txt has {required.get(name)}"
            )


def test_every_rule_env_exists():
    for smk in (ROOT / "workflow" / "rules").glob("*.smk"):
        for line in smk.read_text().splitlines():
            if line.strip().startswith('"../../envs/'):
                name = line.strip().strip('",').replace("../../envs/", "")
                if "{backend}" in name or "{ref}" in name:
                    for b in ("nest", "neuron", "brian2"):
                        assert (ROOT / "envs" / name.replace("{backend}", b).replace("{ref}", b)).exists()
                else:
                    assert (ROOT / "envs" / name).exists(), name


# --- every rule's script imports only what its conda env provides (static, no env build) ---
#
# For each rule (and, for `simulate-{backend}.yaml`, each env file the wildcard matches) the
# third-party top-level modules its script imports, following `vabench.*` imports
# transitively, lazy imports inside functions included. Backend modules: the rule's own
# backend (simulate-<backend>.yaml <-> vabench/backends/<backend without dash>_backend.py)
# in full; the others only at module level (the engine registry imports every engine
# module; engines import their simulator inside methods). Each module must come from a
# package of the env's pip section or from one of their dependencies, resolved with
# importlib.metadata in the project venv (which has every pin installed).

PKG = ROOT / "workflow"  # holds the vabench package


@functools.cache
def rule_envs():
    """{rule name: (script path, conda env file as written, with wildcards)} from Snakemake's own parse."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings

    cwd = os.getcwd()
    try:
        with SnakemakeApi(OutputSettings()) as api:
            workflow = api.workflow(
                resource_settings=ResourceSettings(),
                config_settings=ConfigSettings(),
                snakefile=ROOT / "Snakefile",
                workdir=ROOT,
            )._workflow
            return {
                r.name: ((Path(r.basedir) / r.script).resolve(), (Path(r.basedir) / r.conda_env).resolve())
                for r in workflow.rules
                if r.script
            }
    finally:
        os.chdir(cwd)


def env_files(pattern: Path) -> dict[Path, dict]:
    """Env files that a `conda:` path matches ({wildcard} -> any), each with its wildcard values."""
    names = re.findall(r"\{(\w+)\}", pattern.name)
    regex = re.escape(pattern.name)
    for n in names:
        regex = regex.replace(re.escape("{" + n + "}"), f"(?P<{n}>[A-Za-z0-9-]+)")
    found = {}
    for f in sorted(pattern.parent.glob(re.sub(r"\{\w+\}", "*", pattern.name))):
        m = re.fullmatch(regex, f.name)
        if m:
            found[f] = m.groupdict()
    return found


def pip_requirements(env: Path) -> list[Requirement]:
    spec = yaml.safe_load(env.read_text())
    pip = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict) and "pip" in d)
    return [Requirement(line) for line in pip]


@functools.cache
def packages_distributions() -> dict[str, list[str]]:
    return md.packages_distributions()


def distribution_closure(reqs: list[Requirement]) -> set[str]:
    """Canonical names of the packages pip installs for ``reqs`` (the project venv's metadata)."""
    seen, todo = set(), [(r, "") for r in reqs]
    while todo:
        req, extra = todo.pop()
        if req.marker and not req.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(req.name)
        key = (name, tuple(sorted(req.extras)))
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = md.distribution(req.name)
        except md.PackageNotFoundError:
            raise AssertionError(
                f"{req.name} (needed by an env file) is not installed in the project venv, so its "
                "dependencies cannot be resolved: run `make setup`"
            ) from None
        for dep in dist.requires or []:
            dep = Requirement(dep)
            for ex in sorted(req.extras) or [""]:
                todo.append((dep, ex))
    return {name for name, _ in seen}


@functools.cache
def env_closure(env: Path) -> set[str]:
    return distribution_closure(pip_requirements(env))


@functools.cache
def imports(path: Path, module_level_only=False) -> list[tuple[str, int]]:
    """(absolute module name, line) of every import in a file; lazy ones too unless module_level_only."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []

    def visit(node):
        if module_level_only and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:  # `if TYPE_CHECKING:` imports never run
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((a.name, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, node.lineno))
            # `from vabench.x import y` may import the submodule vabench.x.y
            found.extend(
                (f"{node.module}.{a.name}", node.lineno) for a in node.names if node.module.startswith("vabench")
            )
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def vabench_files(module: str) -> list[Path]:
    """Files executed by importing a vabench module (its packages' __init__ included)."""
    parts, files = module.split("."), []
    for i in range(1, len(parts) + 1):
        base = PKG.joinpath(*parts[:i])
        if (base / "__init__.py").exists():
            files.append(base / "__init__.py")
        elif base.with_suffix(".py").exists():
            files.append(base.with_suffix(".py"))
    return files


def third_party_imports(script: Path, backend: str | None) -> dict[str, str]:
    """{top-level module: where it is imported, and the import chain from the script} for a rule's
    script and everything of vabench it reaches."""
    backends_dir = PKG / "vabench" / "backends"
    own = backends_dir / f"{backend.replace('-', '')}_backend.py" if backend else None
    if backend:
        assert own.exists(), f"env for backend {backend!r} but no backend module {own.relative_to(ROOT)}"
    # the rule's backend in full; every other engine module at module level (the registry imports them)
    todo = [(script, False, None)] + [(p, p != own, None) for p in sorted(backends_dir.glob("*_backend.py"))]
    done, via, out = set(), {}, {}
    while todo:
        path, module_level_only, parent = todo.pop(0)
        if path in done:
            continue
        done.add(path)
        via[path] = parent
        if path.parent == backends_dir and path.name.endswith("_backend.py") and path != own:
            module_level_only = True
        for name, line in imports(path, module_level_only):
            top = name.split(".")[0]
            if top == "vabench":
                # an engine's helper in the engines' folder (brian2_models) is loaded as its engine is
                todo.extend(
                    (f, module_level_only and f.parent == backends_dir == path.parent, path)
                    for f in vabench_files(name)
                )
            elif (script.parent / f"{top}.py").exists():
                todo.append((script.parent / f"{top}.py", False, path))  # a helper beside the scripts
            elif top not in sys.stdlib_module_names and top != "__future__" and top not in out:
                chain, p = [], path
                while p is not None:
                    chain.append(p.relative_to(PKG).as_posix())
                    p = via[p]
                out[top] = f"{path.relative_to(ROOT)}:{line}, via {' <- '.join(chain)}"
    return out


def rule_env_cases():
    cases = []
    for rule, (script, env_pattern) in sorted(rule_envs().items()):
        for env, wildcards in env_files(env_pattern).items():
            engine = wildcards.get("backend") or wildcards.get("ref")  # the engine the rule's job runs
            cases.append(pytest.param(rule, script, env, engine, id=f"{rule}-{env.stem}"))
    return cases


@pytest.mark.parametrize("rule, script, env, backend", rule_env_cases())
def test_rule_script_imports_are_in_its_env(rule, script, env, backend):
    providers = packages_distributions()
    closure = env_closure(env)
    missing = []
    for module, where in sorted(third_party_imports(script, backend).items()):
        dists = {canonicalize_name(d) for d in providers.get(module, [])}
        if not dists & closure:
            missing.append(
                f"  {module} (imported at {where}; package: {', '.join(sorted(dists)) or 'not installed here'})"
            )
    assert not missing, (
        f"rule {rule} runs {script.relative_to(ROOT)} in envs/{env.name}, which provides neither "
        "these modules nor a package that depends on them:\n" + "\n".join(missing)
    )


def test_every_rule_with_a_script_has_an_env():
    for rule, (script, env_pattern) in rule_envs().items():
        assert env_files(env_pattern), f"rule {rule}: no env file matches {env_pattern.relative_to(ROOT)}"


# --- every rule really runs in its env (builds the envs: minutes cold, cached after) ---


@pytest.mark.slow
def test_every_rule_runs_in_its_conda_env():
    """`make envs-check`: `snakemake --sdm conda` on a tiny study, each env built from its env file's pip
    section by tools/pip-conda (no conda here); fails naming the module if an env lacks a package."""

    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "pip-conda" / "envs_check.py"), "--cores", "2"],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert proc.returncode == 0, f"make envs-check failed:\n{proc.stdout[-12000:]}\n{proc.stderr[-3000:]}"
