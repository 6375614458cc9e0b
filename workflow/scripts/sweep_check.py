import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.logs import script_logging
from vabench.sweep import check_table

with script_logging(snakemake.log[0]):
    inp = snakemake.input
    check_table(
        inp.points,
        inp.checked,
        list(zip(inp.study_spikes, inp.study_runs)),
        snakemake.params.analysis,
        snakemake.params.compare,
        snakemake.output.check,
    )
