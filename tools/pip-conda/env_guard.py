"""Import guard of an env built by pip-conda (tools/pip-conda; machines without conda only).

Snakemake's script preamble appends the Snakemake process's own sys.path to a script's, so a
module that is missing from the env would silently be imported from the Snakemake
installation's site-packages, and a missing package in an env file would go unnoticed.
This guard (loaded by a .pth file at interpreter start) refuses such an import when workflow
code asks for it, with an error that names the module and the env. Imports made by Snakemake
itself (unpickling its `snakemake` object) and by the packages of that installation are left
alone.
"""

import os
import sys
from importlib.machinery import PathFinder

ENV_NAME = None  # filled in by pip-conda at build time
_PREFIX = os.path.realpath(sys.prefix)


def _foreign(path):
    """A site-packages folder outside this env: the Snakemake process's, appended by its preamble."""
    p = os.path.realpath(path)
    if p == _PREFIX or p.startswith(_PREFIX + os.sep):
        return False
    parts = p.split(os.sep)
    return "site-packages" in parts or "dist-packages" in parts


def _importer():
    """File of the code that asked for the import (skipping the import machinery)."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if not (name.startswith("<frozen") or name == __file__ or os.sep + "importlib" + os.sep in name):
            return name
        frame = frame.f_back
    return None


class _Guard:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if path is not None or "." in name or name == "snakemake" or name in sys.stdlib_module_names:
            return None  # submodules follow their package; Snakemake's preamble imports snakemake
        spec = PathFinder.find_spec(name)
        if spec is None:
            return None
        places = list(spec.submodule_search_locations or [])
        if spec.origin and spec.has_location:
            places.append(spec.origin)
        if not places or not all(_foreign(p) for p in places):
            return None  # found in this env (or outside any site-packages, e.g. workflow/vabench)
        importer = _importer()
        if importer is None or _foreign(importer):
            return None  # the Snakemake installation importing its own dependencies
        raise ModuleNotFoundError(
            f"No module named {name!r} in the conda env {ENV_NAME!r} ({sys.prefix}): it is only visible through "
            f"the Snakemake installation's own packages ({places[0]}), imported from {importer}. "
            f"Add its package to the env file's pip section (pip-conda env guard).",
            name=name,
        )


if not any(type(f).__name__ == "_Guard" or f is _Guard for f in sys.meta_path):
    sys.meta_path.insert(0, _Guard)
