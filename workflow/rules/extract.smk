rule extract:
    input:
        exc=f"{RUN_DIR}/exc.neo.pkl",
        inh=f"{RUN_DIR}/inh.neo.pkl",
    output:
        spikes=f"{RUN_DIR}/spikes.parquet",
        traces=f"{RUN_DIR}/traces.npz",
    log:
        "logs/extract/{network}/{backend}/{weights}.log",
    benchmark:
        "benchmarks/extract/{network}/{backend}/{weights}.tsv"
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/extract.py"
