"""SpiNNaker through sPyNNaker (PyNN API), on a real board, a spalloc machine, or a virtual board.

Quirks:
- ``setup()`` refuses to run without a user-level ``.spynnaker.cfg`` and, if there is none,
  writes a template into the home folder. :func:`prepare` writes the cfg the job needs into
  the job's own working folder and points HOME there for this process only, so the user's
  home is never written. Credentials are never written: spalloc reads SPALLOC_USER and
  SPALLOC_PASSWORD from the environment.
- Reports go into the run's log folder (``[Reports] default_report_file_path``).
- A virtual board maps, places and routes the network but runs nothing: every recording is
  empty. The run is marked ``virtual_run`` so that the tables and figures say so.
- Delays must be 1-144 time steps; 1.0 ms is the real-time time step, 0.1 ms also maps.
"""

from __future__ import annotations

import configparser
import logging
import os
from pathlib import Path

from vabench.backends._util import package_versions, pynn_projection

log = logging.getLogger(__name__)

REBUILD_PER_POINT = True
SUPPORTED_DT_MS = (0.1, 1.0)
MAX_DELAY_STEPS = 144
_STATE: dict = {}


def cfg_text(spinnaker: dict, report_dir) -> str:
    """The ``.spynnaker.cfg`` for one job: machine target by mode, reports into ``report_dir``."""
    cfg = configparser.ConfigParser()
    machine = {}
    mode = spinnaker["mode"]
    if mode == "virtual":
        machine = {"virtual_board": "True", "version": str(spinnaker["board_version"])}
    elif mode == "spalloc":
        machine = {"spalloc_server": spinnaker["spalloc_server"]}
    elif mode == "board":
        machine = {"machine_name": spinnaker["board_address"], "version": str(spinnaker["board_version"])}
    cfg["Machine"] = machine
    cfg["Reports"] = {"default_report_file_path": str(Path(report_dir).resolve())}
    lines = ["# written by vabench for one simulate job; credentials come from SPALLOC_USER / SPALLOC_PASSWORD"]
    from io import StringIO

    buf = StringIO()
    cfg.write(buf)
    return "\n".join(lines) + "\n" + buf.getvalue()


def prepare(work_dir, spinnaker: dict) -> Path:
    """Write the job's cfg into ``work_dir`` and make sPyNNaker find it there (not in ~)."""
    work_dir = Path(work_dir).resolve()
    (work_dir / "reports").mkdir(parents=True, exist_ok=True)
    (work_dir / ".spynnaker.cfg").write_text(cfg_text(spinnaker, work_dir / "reports"))
    os.environ["HOME"] = str(work_dir)
    os.environ["XDG_CONFIG_HOME"] = str(work_dir / ".config")
    _STATE["spinnaker"] = dict(spinnaker)
    _STATE["work_dir"] = work_dir
    log.info("spinnaker: mode %s, cfg and reports in %s", spinnaker["mode"], work_dir)
    return work_dir


def import_sim():
    if "work_dir" not in _STATE:
        raise RuntimeError("spinnaker_backend.prepare(work_dir, config['spinnaker']) must run before the import")
    import pyNN.spiNNaker as sim

    return sim


def setup(sim, dt_ms: float, delay_ms: float, threads: int, seed: int) -> None:
    spin = _STATE["spinnaker"]
    kwargs = {"timestep": dt_ms, "min_delay": delay_ms}
    if spin.get("time_scale_factor"):
        kwargs["time_scale_factor"] = int(spin["time_scale_factor"])
    sim.setup(**kwargs)
    sim.set_number_of_neurons_per_core(sim.IF_cond_exp, int(spin["neurons_per_core"]))


def make_projection(sim, pre_pop, post_pop, pre_idx, post_idx, weight_uS, delay_ms, receptor, label):
    return pynn_projection(sim, pre_pop, post_pop, pre_idx, post_idx, weight_uS, delay_ms, receptor, label)


def run_info() -> dict:
    """What mapping produced: cores and chips used, cores per population; whether virtual."""
    info = {"virtual_run": _STATE.get("spinnaker", {}).get("mode") == "virtual",
            "spinnaker_mode": _STATE.get("spinnaker", {}).get("mode"),
            "neurons_per_core": _STATE.get("spinnaker", {}).get("neurons_per_core")}
    try:
        from spinn_front_end_common.data import FecDataView

        cores, chips, per_pop = set(), set(), {}
        for placement in FecDataView.iterate_placemements():
            vertex = placement.vertex
            app = getattr(vertex, "app_vertex", None)
            label = getattr(app, "label", None) or vertex.label or type(vertex).__name__
            cores.add((placement.x, placement.y, placement.p))
            chips.add((placement.x, placement.y))
            per_pop[label] = per_pop.get(label, 0) + 1
        info.update({"cores_used": len(cores), "chips_used": len(chips), "cores_per_vertex": per_pop})
    except Exception as err:  # mapping details are informative only; never fail the run on them
        info["mapping_error"] = f"{type(err).__name__}: {err}"
    return info


def versions() -> dict:
    return package_versions("PyNN", "sPyNNaker", "numpy", "neo")
