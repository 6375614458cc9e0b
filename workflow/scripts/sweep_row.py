import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.logs import script_logging
from vabench.provenance import run_provenance
from vabench.sweep import simulate_row

with script_logging(snakemake.log[0]):
    params = dict(snakemake.params.sim)
    params["simulation"] = dict(params["simulation"], threads=snakemake.threads)
    simulate_row(snakemake.input.network, snakemake.wildcards.backend, float(snakemake.wildcards.gexc),
                 snakemake.params.g_inh, params, [Path(p).parent for p in snakemake.output.runs],
                 work_dir=snakemake.params.work_dir, provenance=run_provenance(snakemake.config))
