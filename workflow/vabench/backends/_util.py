from __future__ import annotations

import contextlib
import importlib.metadata
import os
import sys
import tempfile


@contextlib.contextmanager
def quiet_fds():
    """Send C-level stdout/stderr to a temporary file for the block; yield a reader of it.

    Used around imports that print build noise (PyNN's NEST extension build) into every log.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        captured = {}
        try:
            yield captured
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            sink.seek(0)
            captured["text"] = sink.read().decode(errors="replace")


def package_versions(*names: str) -> dict:
    out = {}
    for name in names:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out
