import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.logs import script_logging
from vabench.provenance import run_provenance
from vabench.simulate import simulate_check

with script_logging(snakemake.log[0]):
    params = dict(snakemake.params.sim)
    params["simulation"] = dict(params["simulation"], threads=snakemake.threads)
    simulate_check(
        snakemake.input.points,
        snakemake.input.network,
        snakemake.wildcards.ref,
        params,
        snakemake.output.runs,
        snakemake.params.n_points,
        snakemake.params.benchmark_point,
        snakemake.params.reused,
        work_dir=Path(snakemake.log[0]).with_suffix(".work"),
        provenance=run_provenance(snakemake.config),
    )
