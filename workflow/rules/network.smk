rule build_network:
    output:
        network="results/networks/{network}/network.npz",
    log:
        "logs/build_network/{network}.log",
    benchmark:
        "benchmarks/build_network/{network}.tsv"
    conda:
        "../../envs/analysis.yaml"
    params:
        network=lambda wc: NETWORK_PARAMS[wc.network],
    script:
        "../scripts/build_network.py"
