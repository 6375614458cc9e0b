rule sweep_row:
    input:
        network="results/networks/{network}/network.npz",
    output:
        spikes=sweep_row_outputs("spikes.parquet"),
        runs=sweep_row_outputs("run.json"),
    log:
        "logs/sweep_row/{network}/{backend}/gexc~{gexc}.log",
    benchmark:
        "benchmarks/sweep_row/{network}/{backend}/gexc~{gexc}.tsv"
    conda:
        "../../envs/simulate-{backend}.yaml"
    threads: config["simulation"]["threads"]
    resources:
        **ENGINE_RESOURCES,
    params:
        sim=sweep_sim_params,
        g_inh=G_INH,
        work_dir=lambda wc: f"logs/sweep_row/{wc.network}/{wc.backend}/gexc~{wc.gexc}.work",
    script:
        "../scripts/sweep_row.py"


rule sweep_row_points:
    input:
        spikes=sweep_row_outputs("spikes.parquet"),
        runs=sweep_row_outputs("run.json"),
    output:
        points="results/sweep/rows/{network}/{backend}/gexc~{gexc}.tsv",
    log:
        "logs/sweep_row_points/{network}/{backend}/gexc~{gexc}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        analysis=config["analysis"],
    script:
        "../scripts/sweep_row_points.py"


rule sweep_points:
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
