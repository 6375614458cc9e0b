"""The driver: run one engine on a stored network at one or more weight sets, and write each
point's results and its run record.

The same code serves the study (one point per job, full recordings), the map (a row of
points per job, spikes only) and the bench. Per point, into its own folder, all atomically:

- the tidy recordings (:mod:`vabench.recording`), written once: ``spikes.parquet`` (every
  spike) and, for the study, ``traces.npz`` (the LFP proxy of the first ``record.n_traced``
  excitatory cells, and their v / gsyn_exc / gsyn_inh traces where ``traces`` is "full");
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

from vabench.backends import RunSpec, get_engine
from vabench.config import config_hash
from vabench.io import write_json
from vabench.logs import log_ready
from vabench.network import load_network
from vabench.provenance import git_commit
from vabench.recording import write_recordings

log = logging.getLogger(__name__)

# Every run record has exactly these fields, plus those of the provenance passed in (tested).
RECORD_FIELDS = (
    "backend",
    "g_exc_nS",
    "g_inh_nS",
    "network_file",
    "network_params",
    "seed",
    "n_synapses",
    "n_spikes",
    "timings_s",
    "job",
    "peak_memory_mb",
    "versions",
    "engine",
    "python",
    "host",
    "started_utc",
    "finished_utc",
    "params",
    "params_hash",
    "virtual_run",
    "workflow_commit",
    "purpose",
)
USED_SECTIONS = ("model", "cell", "stimulus", "simulation", "record")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def used_params(params: dict, backend: str) -> dict:
    """The config sections a run of ``backend`` depends on (its own section included)."""
    section = get_engine(backend).section
    used = {k: params[k] for k in USED_SECTIONS + ((section,) if section else ()) if k in params}
    if "record" in used:  # record.neo is an export of the recordings, not part of the run
        used["record"] = {k: v for k, v in used["record"].items() if k != "neo"}
    return used


def run_points(
    network_path,
    backend: str,
    points: list[tuple[float, float]],
    params: dict,
    out_dirs: list,
    traces: str | None = "full",
    work_dir=None,
    provenance: dict | None = None,
    purpose: str = "study",
) -> list[dict]:
    """Simulate every (g_exc_nS, g_inh_nS) of ``points`` on one network; write into ``out_dirs``.

    ``traces``: what ``traces.npz`` holds (:mod:`vabench.recording`): "full" traces, only the
    "lfp" proxy, or None for no trace file (the map). ``purpose`` ("study", "map", "bench")
    goes into the record.
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
    log_ready(log, f"{backend}, {len(points)} point(s)")
    log.info(
        "%s: %d point(s) on %s (dt %g ms, delay %g ms, %g ms); engine ready and network loaded in %.1f s",
        backend,
        len(points),
        Path(network_path).parent.name,
        spec.dt_ms,
        spec.delay_ms,
        spec.t_stop_ms,
        fixed_s,
    )
    records = []
    try:
        for k, (result, out_dir) in enumerate(zip(engine.simulate(net, points), out_dirs)):
            out_dir = Path(out_dir)
            t0 = time.perf_counter()
            n_spikes = write_recordings(
                out_dir, result.spikes, result.traces, result.traced, result.trace_dt_ms, spec.cell, traces
            )
            # setup_s: the job's fixed cost (engine, imports, network), counted on its first point
            timings = dict(result.timings_s, write_s=time.perf_counter() - t0, setup_s=fixed_s if k == 0 else 0.0)
            record = {
                "backend": backend,
                "g_exc_nS": float(result.g_exc_nS),
                "g_inh_nS": float(result.g_inh_nS),
                "network_file": str(network_path),
                "network_params": net["params"],
                "seed": seed,
                "n_synapses": n_syn,
                "n_spikes": n_spikes,
                "timings_s": timings,
                "job": {
                    "points": len(points),
                    "index": k,
                    "fixed_s": fixed_s,
                    "reweighted": bool(k and cls.can_reweight),
                },
                "peak_memory_mb": _peak_rss_mb(),
                "versions": versions,
                "engine": engine.info(),
                "python": platform.python_version(),
                "host": platform.node(),
                "started_utc": started.isoformat(),
                "finished_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(),
                "params": used,
                "params_hash": config_hash(used),
                "virtual_run": bool(result.virtual_run),
                "workflow_commit": commit,
                "purpose": purpose,
            }
            record.update(provenance or {})
            if record["virtual_run"]:
                log.warning(
                    "%s: virtual run: the board was mapped but nothing ran, so every recording is empty", backend
                )
            write_json(out_dir / "run.json", record)
            records.append(record)
            log.info(
                "%s point %d/%d (g_exc %g, g_inh %g nS): %d exc, %d inh spikes; build %.2f s, run %.2f s, "
                "read %.2f s, write %.2f s",
                backend,
                k + 1,
                len(points),
                result.g_exc_nS,
                result.g_inh_nS,
                n_spikes["exc"],
                n_spikes["inh"],
                timings["build_s"],
                timings["run_s"],
                timings["read_s"],
                timings["write_s"],
            )
    finally:
        engine.close()
    return records


def simulate(
    network_path,
    backend: str,
    g_exc_nS: float,
    g_inh_nS: float,
    params: dict,
    out_dir,
    work_dir=None,
    provenance: dict | None = None,
    traces: str = "full",
) -> dict:
    """One weight set on one backend with its recordings: the study's simulate job.
    ``traces``: "full" (v, gsyn of the traced cells) or "lfp" (their LFP proxy only)."""
    out_dir = Path(out_dir)
    return run_points(
        network_path,
        backend,
        [(g_exc_nS, g_inh_nS)],
        params,
        [out_dir],
        traces=traces,
        work_dir=work_dir or out_dir / f"{backend}-work",
        provenance=provenance,
    )[0]


def simulate_map_points(
    network_path,
    backend: str,
    points: list,
    params: dict,
    out_dirs: list,
    work_dir=None,
    provenance: dict | None = None,
    purpose: str = "map",
) -> list[dict]:
    """Simulate map points [(g_exc, g_inh), ...] on one network in one process; write
    spikes.parquet and run.json per point."""
    return run_points(
        network_path,
        backend,
        [(float(x), float(y)) for x, y in points],
        params,
        out_dirs,
        traces=None,
        work_dir=work_dir,
        provenance=provenance,
        purpose=purpose,
    )


def simulate_row(
    network_path,
    backend: str,
    g_exc_nS: float,
    g_inh_values: list[float],
    params: dict,
    out_dirs: list,
    work_dir=None,
    provenance: dict | None = None,
) -> list[dict]:
    """Every (g_exc, g_inh) point of one row (the bench's unit)."""
    return simulate_map_points(
        network_path, backend, [(g_exc_nS, g) for g in g_inh_values], params, out_dirs, work_dir, provenance
    )


def simulate_check(
    points_table,
    network_path,
    backend: str,
    params: dict,
    out_dir,
    n_points: int,
    benchmark_point,
    reused: list[str],
    work_dir=None,
    provenance: dict | None = None,
) -> list[dict]:
    """Simulate the check points of a finished map (``points_table``) on one network with the
    reference engine, every point in one process, one folder per point in ``out_dir``; the
    points in ``reused`` (weight labels a study run provides) are not simulated."""
    from vabench.config import weights_label
    from vabench.grid import check_points

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen = [p for p in check_points(points_table, n_points, benchmark_point) if weights_label(*p) not in reused]
    log.info(
        "checking %d point(s) on %s with %s%s",
        len(chosen),
        Path(network_path).parent.name,
        backend,
        f"; {', '.join(reused)} read from the study's run" if reused else "",
    )
    if not chosen:
        return []
    return simulate_map_points(
        network_path,
        backend,
        chosen,
        params,
        [out_dir / weights_label(*p) for p in chosen],
        work_dir=work_dir,
        provenance=provenance,
        purpose="check",
    )
