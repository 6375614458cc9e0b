# vabench: the Vogels & Abbott (2005) COBA network as benchmark 1 of Brette et al. (2007),
# on NEST, NEURON and Brian2 through PyNN. See README.md and config/README.md.
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"


# the report opens on the answer (<results>/verdict.rst, rule verdict_page) once a study has one
VERDICT_PAGE = Path(RESULTS, "verdict.rst").resolve()


report: str(VERDICT_PAGE) if VERDICT_PAGE.exists() else "workflow/report/workflow.rst"


include: "workflow/rules/network.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/extract.smk"
include: "workflow/rules/analyse.smk"
include: "workflow/rules/sweep.smk"
include: "workflow/rules/figures.smk"


rule all:
    default_target: True
    input:
        final_outputs(),
