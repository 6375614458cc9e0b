import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.analysis import collect_tables
from vabench.logs import script_logging

with script_logging(snakemake.log[0]):
    collect_tables(snakemake.input.rows, snakemake.output.points, ["seed", "g_exc_nS", "g_inh_nS"])
