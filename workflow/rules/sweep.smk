for _i, _rows in enumerate(ROW_GROUPS):

    rule:
        name:
            f"sweep_rows_{_i}"
        input:
            network="results/networks/{network}/network.npz",
        output:
            spikes=sweep_group_outputs("spikes.parquet", _rows),
            runs=sweep_group_outputs("run.json", _rows),
        log:
            f"logs/sweep_rows/{{network}}/{{backend}}/{group_label(_rows)}.log",
        benchmark:
            f"benchmarks/sweep_rows/{{network}}/{{backend}}/{group_label(_rows)}.tsv"
        conda:
            "../../envs/simulate-{backend}.yaml"
        threads: config["simulation"]["threads"]
        resources:
            **ENGINE_RESOURCES,
        # the points are read from the output folders' names, and the scratch folder is the
        # log's: params that named the grouping would rerun every map job when it changes
        params:
            sim=sweep_sim_params,
        script:
            "../scripts/sweep_simulate.py"


rule sweep_check_run:
    input:
        network="results/networks/{network}/network.npz",
    output:
        spikes="results/sweep/check/{network}/{backend}/{weights}/spikes.parquet",
        runs="results/sweep/check/{network}/{backend}/{weights}/run.json",
    log:
        "logs/sweep_check/{network}/{backend}/{weights}.log",
    benchmark:
        "benchmarks/sweep_check/{network}/{backend}/{weights}.tsv"
    conda:
        "../../envs/simulate-{backend}.yaml"
    threads: config["simulation"]["threads"]
    resources:
        **ENGINE_RESOURCES,
    params:
        sim=sweep_sim_params,
    script:
        "../scripts/sweep_simulate.py"


rule sweep_check:
    input:
        points="results/sweep/{backend}/points.tsv",
        spikes=lambda wc: check_runs(wc, "spikes.parquet"),
        runs=lambda wc: check_runs(wc, "run.json"),
    output:
        check=report(
            "results/sweep/check_{backend}_vs_{ref}.tsv",
            caption="../report/sweep_check.rst",
            category="Sustained-activity map",
            labels={"table": "map check", "backend": "{backend} vs {ref}"},
        ),
    log:
        "logs/sweep_check/{backend}_vs_{ref}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        analysis=config["analysis"],
        compare=config["compare"],
    script:
        "../scripts/sweep_check.py"


# one table per network: a job per row paid the analysis imports 121 times per map seed
rule sweep_network_points:
    input:
        spikes=sweep_group_outputs("spikes.parquet", G_EXC),
        runs=sweep_group_outputs("run.json", G_EXC),
    output:
        points="results/sweep/points/{network}/{backend}.tsv",
    log:
        "logs/sweep_network_points/{network}/{backend}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        analysis=config["analysis"],
    script:
        "../scripts/sweep_network_points.py"


checkpoint sweep_points:
    input:
        rows=sweep_rows,
    output:
        points=report(
            "results/sweep/{backend}/points.tsv",
            caption="../report/sweep_points.rst",
            category="Sustained-activity map",
            labels={"table": "map points", "backend": "{backend}"},
        ),
    log:
        "logs/sweep_points/{backend}.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/sweep_points.py"


rule sustained_activity_map:
    input:
        points="results/sweep/{backend}/points.tsv",
    output:
        png=report(
            "results/figures/sustained_activity_{backend}.png",
            caption="../report/sustained_activity.rst",
            category="Sustained-activity map",
            labels={"figure": "sustained-activity map", "backend": "{backend}"},
        ),
        svg="results/figures/sustained_activity_{backend}.svg",
    log:
        "logs/figures/sustained_activity_{backend}.log",
    conda:
        "../../envs/figures.yaml"
    params:
        benchmark_point=SWEEP["benchmark_point"],
    script:
        "../scripts/sustained_activity_map.py"


rule sweep:
    input:
        sweep_outputs(),
