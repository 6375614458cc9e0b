rule simulate:
    input:
        network="results/networks/{network}/network.npz",
    output:
        exc=f"{RUN_DIR}/exc.neo.pkl",
        inh=f"{RUN_DIR}/inh.neo.pkl",
        run=f"{RUN_DIR}/run.json",
    log:
        "logs/simulate/{network}/{backend}/{weights}.log",
    benchmark:
        "benchmarks/simulate/{network}/{backend}/{weights}.tsv"
    conda:
        "../../envs/simulate-{backend}.yaml"
    threads: config["simulation"]["threads"]
    resources:
        **ENGINE_RESOURCES,
    params:
        sim=sim_params,
        work_dir=lambda wc: f"logs/simulate/{wc.network}/{wc.backend}/{wc.weights}.work",
    script:
        "../scripts/simulate.py"
