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
import math
import os
from pathlib import Path

from vabench.backends._util import package_versions
from vabench.backends.base import Engine, PyNNEngine, RunSpec

log = logging.getLogger(__name__)

SUPPORTED_DT_MS = (0.1, 1.0)
MAX_DELAY_STEPS = 144


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
    log.info("spinnaker: mode %s, cfg and reports in %s", spinnaker["mode"], work_dir)
    return work_dir


class SpinnakerEngine(PyNNEngine):
    name = "spinnaker"
    pynn_module = "pyNN.spiNNaker"
    requires = ("pyNN", "spynnaker")
    section = "spinnaker"
    models = ("coba", "cuba")  # sPyNNaker has no HH cell
    # a board serves one job at a time; profiles/spinnaker-host caps it at 1
    resources = {"spinnaker_board": 1}
    summary = "SpiNNaker through sPyNNaker: a real board, a spalloc machine, or a virtual board (mapping only)"
    integration = "fixed-point LIF update (sPyNNaker)"
    can_reweight = False
    single_cells = Engine.single_cells  # a virtual board records nothing: no single-cell scenarios

    @classmethod
    def check_config(cls, cfg: dict) -> str | None:
        sim, spin = cfg["simulation"], cfg["spinnaker"]
        dt, delay = sim["dt_ms"], sim["delay_ms"]
        if not any(math.isclose(dt, ok) for ok in SUPPORTED_DT_MS):
            return (
                f"'simulation.dt_ms': {dt} ms is not a SpiNNaker time step; allowed values with backend spinnaker: "
                f"{', '.join(map(str, SUPPORTED_DT_MS))}"
            )
        steps = delay / dt
        if not 1 <= round(steps) <= MAX_DELAY_STEPS:
            return f"'simulation.delay_ms': {delay} ms is {steps:g} time steps; SpiNNaker allows 1-{MAX_DELAY_STEPS}"
        if spin["mode"] == "spalloc":
            if not spin["spalloc_server"]:
                return "'spinnaker.spalloc_server' is required when 'spinnaker.mode' is spalloc"
            if "@" in spin["spalloc_server"].split("//", 1)[-1].split("/", 1)[0]:
                return "'spinnaker.spalloc_server' must not carry credentials; set SPALLOC_USER and SPALLOC_PASSWORD instead"
        if spin["mode"] == "board" and not spin["board_address"]:
            return "'spinnaker.board_address' is required when 'spinnaker.mode' is board"
        return None

    def __init__(self, spec: RunSpec):
        super().__init__(spec)
        prepare(spec.work_dir or Path("spinnaker-work"), spec.section)

    def setup(self, sim, seed: int) -> None:
        spin = self.spec.section
        kwargs = {"timestep": self.spec.dt_ms, "min_delay": self.spec.delay_ms}
        if spin.get("time_scale_factor"):
            kwargs["time_scale_factor"] = int(spin["time_scale_factor"])
        sim.setup(**kwargs)
        sim.set_number_of_neurons_per_core(sim.IF_cond_exp, int(spin["neurons_per_core"]))

    @property
    def virtual_run(self) -> bool:
        return self.spec.section.get("mode") == "virtual"

    def info(self) -> dict:
        """What mapping produced: cores and chips used, cores per population."""
        spin = self.spec.section
        info = {"spinnaker_mode": spin.get("mode"), "neurons_per_core": spin.get("neurons_per_core")}
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

    def versions(self) -> dict:
        return package_versions("PyNN", "sPyNNaker", "numpy", "neo")
