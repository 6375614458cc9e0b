import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.config import parse_weights_label
from vabench.logs import script_logging
from vabench.provenance import run_provenance
from vabench.simulate import simulate_map_points

with script_logging(snakemake.log[0]):
    params = dict(snakemake.params.sim)
    params["simulation"] = dict(params["simulation"], threads=snakemake.threads)
    runs = snakemake.output.runs
    # one folder per point, named by its weights (a one-point job has one run.json, not a list)
    out_dirs = [Path(p).parent for p in ([runs] if isinstance(runs, str) else runs)]
    simulate_map_points(
        snakemake.input.network,
        snakemake.wildcards.backend,
        [parse_weights_label(d.name) for d in out_dirs],
        params,
        out_dirs,
        work_dir=Path(snakemake.log[0]).with_suffix(".work"),
        provenance=run_provenance(snakemake.config),
    )
