rule build_network:
    output:
        network="results/networks/{network}/network.npz",
    params:
        network=lambda wc: NETWORK_PARAMS[wc.network],
    log:
        "logs/build_network/{network}.log",
    benchmark:
        "benchmarks/build_network/{network}.tsv"
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/build_network.py"
