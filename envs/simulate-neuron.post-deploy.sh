#!/usr/bin/env bash
# Run once by Snakemake inside the env right after creating it (conda, or tools/pip-conda on
# machines without conda): PyNN compiles its NMODL mechanisms (nrnivmodl, ~30 s) at the first
# `import pyNN.neuron` in an env; doing it here keeps parallel simulate jobs from racing on it.
set -euo pipefail
python -c "import pyNN.neuron"
