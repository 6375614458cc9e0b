rule build_network:
    output:
        network=RESULTS + "/networks/{network}/network.npz",
    log:
        LOGS + "/build_network/{network}.log",
    benchmark:
        BENCHMARKS + "/build_network/{network}.tsv"
    conda:
        "../../envs/analysis.yaml"
    params:
        network=lambda wc: NETWORK_PARAMS[wc.network],
    script:
        "../scripts/build_network.py"
