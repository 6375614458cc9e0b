"""Logging for the workflow's scripts: everything (Python logging, warnings, and what the
simulators print at C level) goes to the job's log file."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings
from pathlib import Path

from vabench.io import DamagedFileError


def process_age_s() -> float | None:
    """Seconds since this process started (Linux /proc; None elsewhere): a job's fixed cost so
    far (Python's start and the imports) when called before its work."""
    try:
        with open("/proc/self/stat") as fh:
            start_ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as fh:
            uptime_s = float(fh.read().split()[0])
        return max(uptime_s - start_ticks / os.sysconf("SC_CLK_TCK"), 0.0)
    except (OSError, ValueError, IndexError):
        return None


def log_ready(log: logging.Logger, what: str) -> None:
    """One log line: the job is ready to work, this long after its process started."""
    age = process_age_s()
    if age is not None:
        log.info("%s: ready %.1f s after the process started (Python, imports, loading)", what, age)


@contextlib.contextmanager
def script_logging(log_path):
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    fh = open(log_path, "w", buffering=1)
    saved = os.dup(1), os.dup(2)
    os.dup2(fh.fileno(), 1)
    os.dup2(fh.fileno(), 2)
    logging.basicConfig(
        level=logging.INFO, stream=fh, force=True, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.captureWarnings(True)
    warnings.filterwarnings("once")
    try:
        yield logging.getLogger("vabench")
    except DamagedFileError as err:  # a damaged input: say which file and how to rebuild it, no traceback
        logging.getLogger("vabench").error("%s", err)
        raise SystemExit(1) from None
    except BaseException:
        logging.getLogger("vabench").exception("job failed")
        raise
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)
        fh.close()
