import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.analysis import collect_summaries
from vabench.logs import script_logging

with script_logging(snakemake.log[0]):
    collect_summaries(snakemake.input.summaries, snakemake.output.summary)
