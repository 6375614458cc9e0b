"""The engines: one module per simulator, each with one :class:`~vabench.backends.base.Engine`
subclass. This registry finds them (every ``*_backend.py`` here); the config schema's allowed
backends, the Snakemake wildcard, the env file names and the jobs' resources all come from it,
so adding a simulator is one module, one env file and one line in the README's engine table.

Engine modules import their simulator lazily (inside methods), so listing the engines never
imports a simulator.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from vabench.backends.base import Engine, RunSpec  # noqa: F401  (the interface, re-exported)


@functools.cache
def engines() -> dict[str, type[Engine]]:
    """Every engine class by name, in a fixed order (module name)."""
    found = {}
    for mod_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not mod_info.name.endswith("_backend"):
            continue
        module = importlib.import_module(f"{__name__}.{mod_info.name}")
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, Engine)
                and obj.__module__ == module.__name__
                and "name" in vars(obj)
            ):
                found[obj.name] = obj
    return found


def names() -> list[str]:
    return list(engines())


def get_engine(name: str) -> type[Engine]:
    """The engine class of a backend name; a one-line error with the allowed values otherwise."""
    found = engines()
    if name not in found:
        raise ValueError(f"unknown backend {name!r}; allowed values: {', '.join(found)}")
    return found[name]


def resource_names() -> list[str]:
    """Every Snakemake resource some engine holds (each job declares all of them, 0 where unused)."""
    return sorted({r for cls in engines().values() for r in cls.resources})
