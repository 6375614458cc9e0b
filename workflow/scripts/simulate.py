import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.config import parse_weights_label
from vabench.logs import script_logging
from vabench.provenance import run_provenance
from vabench.simulate import simulate

with script_logging(snakemake.log[0]):
    g_exc, g_inh = parse_weights_label(snakemake.wildcards.weights)
    params = dict(snakemake.params.sim)
    params["simulation"] = dict(params["simulation"], threads=snakemake.threads)
    simulate(
        snakemake.input.network,
        snakemake.wildcards.backend,
        g_exc,
        g_inh,
        params,
        Path(snakemake.output.run).parent,
        work_dir=snakemake.params.work_dir,
        provenance=run_provenance(snakemake.config),
        traces=snakemake.params.traces,
    )
