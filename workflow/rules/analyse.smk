rule run_statistics:
    input:
        spikes=f"{RUN_DIR}/spikes.parquet",
        run=f"{RUN_DIR}/run.json",
    output:
        cells=f"{RUN_DIR}/cells.tsv",
        summary=f"{RUN_DIR}/summary.tsv",
    params:
        analysis=config["analysis"],
    log:
        "logs/run_statistics/{network}/{backend}/{weights}.log",
    benchmark:
        "benchmarks/run_statistics/{network}/{backend}/{weights}.tsv"
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/run_statistics.py"


rule summary:
    input:
        summaries=run_files("summary.tsv"),
    output:
        summary="results/stats/summary.tsv",
    log:
        "logs/summary.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/summary.py"


rule agreement:
    input:
        cells=run_files("cells.tsv"),
        summaries=run_files("summary.tsv"),
    output:
        agreement="results/stats/agreement.tsv",
    params:
        thresholds=config["compare"],
    log:
        "logs/agreement.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/agreement.py"
