import sys

sys.path.insert(0, str(__import__("pathlib").Path(snakemake.scriptdir).parent))
from vabench.logs import script_logging
from vabench.network import build_network, save_network

with script_logging(snakemake.log[0]) as log:
    net = build_network(snakemake.params.network)
    save_network(snakemake.output.network, net)
    log.info(
        "network %s: %d exc + %d inh cells, %d synapses, %d thalamic spikes",
        snakemake.wildcards.network,
        net["n_exc"],
        net["n_inh"],
        len(net["pre"]),
        len(net["thalamic_time_ms"]),
    )
