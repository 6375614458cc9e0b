import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))
from vabench.figures.state_histograms import plot_state_histograms
from vabench.logs import script_logging
from vabench.models import describe_weights
from vabench.runinfo import run_note

with script_logging(snakemake.log[0]):
    inp = snakemake.input
    runs = [
        {"backend": b, "traces": t, "note": run_note(r)}
        for b, t, r in zip(snakemake.params.backends, inp.traces, inp.run)
    ]
    plot_state_histograms(
        runs,
        snakemake.output.png,
        snakemake.output.svg,
        title=f"Recorded state ({snakemake.params.network}, {describe_weights(snakemake.params.weights)})",
    )
