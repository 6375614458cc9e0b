import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
import logging

import pandas as pd

from vabench.io import write_tsv
from vabench.logs import script_logging
from vabench.sweep import map_check, row_points

with script_logging(snakemake.log[0]):
    ref = row_points(snakemake.input.spikes, snakemake.input.runs, snakemake.params.analysis)
    table = map_check(pd.read_csv(snakemake.input.points, sep="\t"), ref, snakemake.params.compare)
    write_tsv(snakemake.output.check, table)
    for row in table.itertuples():
        logging.getLogger("sweep_check").info(f"g_exc {row.g_exc_nS} g_inh {row.g_inh_nS}: sustained {row.sustained_map:.0%} ({row.backend_map}) vs "
              f"{row.sustained_ref:.0%} ({row.backend_ref}) over {row.n_pairs} seeds: {row.verdict}")
