for _i, _rows in enumerate(ROW_GROUPS):

    rule:
        name:
            "simulate_map" if len(ROW_GROUPS) == 1 else f"simulate_map_{_i}"
        input:
            network=f"{RESULTS}networks/{{network}}/network.npz",
        output:
            spikes=sweep_group_outputs("spikes.parquet", _rows),
            runs=sweep_group_outputs("run.json", _rows),
        log:
            f"{LOGS}simulate_map/{{network}}/{{backend}}/{group_label(_rows)}.log",
        benchmark:
            f"{BENCHMARKS}simulate_map/{{network}}/{{backend}}/{group_label(_rows)}.tsv"
        priority: 10
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


# The reference engine at the map's edge points (and the benchmark point, unless the study
# has that run) on one network, every point in one process.
rule simulate_check:
    input:
        network=f"{RESULTS}networks/{{network}}/network.npz",
        points=f"{RESULTS}sweep/{{backend}}/points.tsv",
    output:
        runs=directory(f"{RESULTS}sweep/check/{{backend}}_vs_{{ref}}/{{network}}"),
    log:
        f"{LOGS}simulate_check/{{backend}}_vs_{{ref}}/{{network}}.log",
    benchmark:
        f"{BENCHMARKS}simulate_check/{{backend}}_vs_{{ref}}/{{network}}.tsv"
    priority: 5
    conda:
        "../../envs/simulate-{ref}.yaml"
    threads: config["simulation"]["threads"]
    resources:
        **{
            name: (lambda wc, name=name: ENGINES[wc.ref].resources.get(name, 0))
            for name in resource_names()
        },
    params:
        sim=lambda wc: with_section(SWEEP_SIM_PARAMS, wc.ref),
        n_points=CHECK["n_points"],
        benchmark_point=SWEEP["benchmark_point"],
        reused=lambda wc: check_reused(wc.network),
    script:
        "../scripts/simulate_check.py"


rule sweep_check:
    input:
        points=f"{RESULTS}sweep/{{backend}}/points.tsv",
        checked=expand(
            f"{RESULTS}sweep/check/{{{{backend}}}}_vs_{{{{ref}}}}/{{network}}",
            network=SWEEP_NETWORKS,
        ),
        study_spikes=lambda wc: check_study_runs(wc, "spikes.parquet"),
        study_runs=lambda wc: check_study_runs(wc, "run.json"),
    output:
        check=report(
            f"{RESULTS}sweep/check_{{backend}}_vs_{{ref}}.tsv",
            caption="../report/sweep_check.rst",
            category="Sustained-activity map",
            labels={"table": "map check", "backend": "{backend} vs {ref}"},
        ),
    log:
        f"{LOGS}sweep_check/{{backend}}_vs_{{ref}}.log",
    benchmark:
        f"{BENCHMARKS}sweep_check/{{backend}}_vs_{{ref}}.tsv"
    conda:
        "../../envs/extract.yaml"
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
        points=f"{RESULTS}sweep/points/{{network}}/{{backend}}.tsv",
    log:
        f"{LOGS}sweep_network_points/{{network}}/{{backend}}.log",
    benchmark:
        f"{BENCHMARKS}sweep_network_points/{{network}}/{{backend}}.tsv"
    priority: 10
    conda:
        "../../envs/extract.yaml"
    params:
        analysis=config["analysis"],
    script:
        "../scripts/sweep_network_points.py"


rule sweep_points:
    input:
        rows=sweep_rows,
    output:
        points=report(
            f"{RESULTS}sweep/{{backend}}/points.tsv",
            caption="../report/sweep_points.rst",
            category="Sustained-activity map",
            labels={"table": "map points", "backend": "{backend}"},
        ),
    log:
        f"{LOGS}sweep_points/{{backend}}.log",
    benchmark:
        f"{BENCHMARKS}sweep_points/{{backend}}.tsv"
    priority: 10
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/sweep_points.py"


rule sustained_activity_map:
    input:
        points=f"{RESULTS}sweep/{{backend}}/points.tsv",
    output:
        png=report(
            f"{RESULTS}figures/sustained_activity_{{backend}}.png",
            caption="../report/sustained_activity.rst",
            category="Sustained-activity map",
            labels={"figure": "sustained-activity map", "backend": "{backend}"},
        ),
        svg=f"{RESULTS}figures/sustained_activity_{{backend}}.svg",
    log:
        f"{LOGS}figures/sustained_activity_{{backend}}.log",
    benchmark:
        f"{BENCHMARKS}sustained_activity_map/{{backend}}.tsv"
    conda:
        "../../envs/figures.yaml"
    params:
        benchmark_point=SWEEP["benchmark_point"],
    script:
        "../scripts/sustained_activity_map.py"


rule sweep:
    input:
        sweep_outputs(),
