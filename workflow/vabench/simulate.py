"""The driver: run one engine on a stored network at one or more weight sets, and write each
point's results and its run record.

The same code serves the study (one point per job, full recordings), the map (a row of
points per job, spikes only) and the bench. Per point, into its own folder, all atomically:

- recordings: ``exc.neo.pkl`` and ``inh.neo.pkl`` (neo Blocks: spikes of every cell, v /
  gsyn_exc / gsyn_inh of the first ``record.n_traced`` cells), or only ``spikes.parquet``;
- ``run.json``: the run record, with the same fields for every engine (:data:`RECORD_FIELDS`):
  weights, network and seed, the engine's versions and its own facts, timings, peak memory,
  the parameters used and their hash, and the provenance passed in (config hash, commit).
"""

from __future__ import annotations

import datetime as _dt
import logging
import platform
import resource
import time
from pathlib import Path

import numpy as np

from vabench.backends import RunSpec, get_engine
from vabench.config import config_hash
from vabench.io import POPULATIONS, atomic_path, write_json, write_spikes
from vabench.network import load_network
from vabench.provenance import git_commit

log = logging.getLogger(__name__)

# Every run record has exactly these fields, plus those of the provenance passed in (tested).
RECORD_FIELDS = (
    "backend", "g_exc_nS", "g_inh_nS", "network_file", "network_params", "seed", "n_synapses", "n_spikes",
    "timings_s", "job", "peak_memory_mb", "versions", "engine", "python", "host", "started_utc", "finished_utc",
    "params", "params_hash", "virtual_run", "workflow_commit", "purpose",
)
USED_SECTIONS = ("cell", "stimulus", "simulation", "record")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def used_params(params: dict, backend: str) -> dict:
    """The config sections a run of ``backend`` depends on (its own section included)."""
    section = get_engine(backend).section
    return {k: params[k] for k in USED_SECTIONS + ((section,) if section else ()) if k in params}


def run_points(network_path, backend: str, points: list[tuple[float, float]], params: dict, out_dirs: list,
               recordings: bool = True, work_dir=None, provenance: dict | None = None, purpose: str = "study") -> list[dict]:
    """Simulate every (g_exc_nS, g_inh_nS) of ``points`` on one network; write into ``out_dirs``.

    ``recordings``: neo Blocks with traces (the study) or a spike table only (the map).
    ``purpose`` ("study", "map", "bench") goes into the record.
    """
    t_job = time.perf_counter()
    started = _dt.datetime.now(_dt.timezone.utc)
    cls = get_engine(backend)
    used = used_params(params, backend)
    spec = RunSpec.from_params(used, cls.section, work_dir)
    engine = cls(spec)
    net = load_network(network_path)
    seed = int(net["params"]["network"]["seed"])
    n_syn = int(len(net["pre"]) + len(net["thalamic_pre"]))
    commit, versions = git_commit(), engine.versions()  # once per job: git runs two processes
    fixed_s = time.perf_counter() - t_job
    log.info("%s: %d point(s) on %s (dt %g ms, delay %g ms, %g ms); engine ready and network loaded in %.1f s", backend,
             len(points), Path(network_path).parent.name, spec.dt_ms, spec.delay_ms, spec.t_stop_ms, fixed_s)
    records = []
    try:
        for k, (result, out_dir) in enumerate(zip(engine.simulate(net, points), out_dirs)):
            out_dir = Path(out_dir)
            t0 = time.perf_counter()
            n_spikes = _write(result, net, spec, out_dir, recordings)
            # setup_s: the job's fixed cost (engine, imports, network), counted on its first point
            timings = dict(result.timings_s, write_s=time.perf_counter() - t0, setup_s=fixed_s if k == 0 else 0.0)
            record = {
                "backend": backend, "g_exc_nS": float(result.g_exc_nS), "g_inh_nS": float(result.g_inh_nS),
                "network_file": str(network_path), "network_params": net["params"], "seed": seed, "n_synapses": n_syn,
                "n_spikes": n_spikes, "timings_s": timings,
                "job": {"points": len(points), "index": k, "fixed_s": fixed_s, "reweighted": bool(k and cls.can_reweight)},
                "peak_memory_mb": _peak_rss_mb(), "versions": versions, "engine": engine.info(),
                "python": platform.python_version(), "host": platform.node(), "started_utc": started.isoformat(),
                "finished_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(), "params": used,
                "params_hash": config_hash(used), "virtual_run": bool(result.virtual_run), "workflow_commit": commit,
                "purpose": purpose,
            }
            record.update(provenance or {})
            if record["virtual_run"]:
                log.warning("%s: virtual run: the board was mapped but nothing ran, so every recording is empty", backend)
            write_json(out_dir / "run.json", record)
            records.append(record)
            log.info("%s point %d/%d (g_exc %g, g_inh %g nS): %d exc, %d inh spikes; build %.2f s, run %.2f s, "
                     "read %.2f s, write %.2f s", backend, k + 1, len(points), result.g_exc_nS, result.g_inh_nS,
                     n_spikes["exc"], n_spikes["inh"], timings["build_s"], timings["run_s"], timings["read_s"],
                     timings["write_s"])
    finally:
        engine.close()
    return records


def _write(result, net: dict, spec: RunSpec, out_dir: Path, recordings: bool) -> dict:
    """The point's recordings into ``out_dir``; the spike count per population."""
    n_spikes = {pop: int(len(result.spikes[pop][1])) for pop in POPULATIONS}
    if not recordings:
        import pandas as pd

        frames = [pd.DataFrame({"population": pop, "cell": np.asarray(c, np.int32), "time_ms": np.asarray(t, np.float64)})
                  for pop, (c, t) in result.spikes.items()]
        df = pd.concat(frames, ignore_index=True)
        df["population"] = pd.Categorical(df["population"], categories=POPULATIONS)
        write_spikes(out_dir / "spikes.parquet", df.sort_values(["population", "time_ms", "cell"], kind="stable")
                     .reset_index(drop=True))
        return n_spikes
    import neo

    from vabench.recording import block_from_arrays

    sizes = {"exc": net["n_exc"], "inh": net["n_inh"]}
    for pop in POPULATIONS:
        cells, times = result.spikes[pop]
        block = block_from_arrays(pop, sizes[pop], cells, times, spec.t_stop_ms, result.traces.get(pop), result.traced[pop],
                                  result.trace_dt_ms)
        with atomic_path(out_dir / f"{pop}.neo.pkl") as tmp:
            neo.io.PickleIO(str(tmp)).write_block(block)
        del block  # one population's recording in memory at a time (peak memory at N=10,000)
    return n_spikes


def simulate(network_path, backend: str, g_exc_nS: float, g_inh_nS: float, params: dict, out_dir, work_dir=None,
             provenance: dict | None = None) -> dict:
    """One weight set on one backend with full recordings: the study's simulate job."""
    out_dir = Path(out_dir)
    return run_points(network_path, backend, [(g_exc_nS, g_inh_nS)], params, [out_dir], recordings=True,
                      work_dir=work_dir or out_dir / f"{backend}-work", provenance=provenance)[0]


def simulate_map_points(network_path, backend: str, points: list, params: dict, out_dirs: list, work_dir=None,
                        provenance: dict | None = None) -> list[dict]:
    """Simulate map points [(g_exc, g_inh), ...] on one network in one process; write
    spikes.parquet and run.json per point."""
    return run_points(network_path, backend, [(float(x), float(y)) for x, y in points], params, out_dirs,
                      recordings=False, work_dir=work_dir, provenance=provenance, purpose="map")


def simulate_row(network_path, backend: str, g_exc_nS: float, g_inh_values: list[float], params: dict, out_dirs: list,
                 work_dir=None, provenance: dict | None = None) -> list[dict]:
    """Every (g_exc, g_inh) point of one row (the bench's unit)."""
    return simulate_map_points(network_path, backend, [(g_exc_nS, g) for g in g_inh_values], params, out_dirs, work_dir,
                               provenance)
