rule build_network:
    output:
        network=f"{RESULTS}networks/{{network}}/network.npz",
    log:
        f"{LOGS}build_network/{{network}}.log",
    benchmark:
        f"{BENCHMARKS}build_network/{{network}}.tsv"
    conda:
        "../../envs/analysis.yaml"
    params:
        network=lambda wc: NETWORK_PARAMS[wc.network],
    script:
        "../scripts/build_network.py"
