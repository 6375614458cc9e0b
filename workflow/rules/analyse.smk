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
        summary=report(
            "results/stats/summary.tsv",
            caption="../report/summary.rst",
            category="Multi-simulator comparison",
            labels={"table": "summary"},
        ),
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
        agreement=report(
            "results/stats/agreement.tsv",
            caption="../report/agreement.rst",
            category="Multi-simulator comparison",
            labels={"table": "agreement"},
        ),
    params:
        thresholds=config["compare"],
    log:
        "logs/agreement.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/agreement.py"


rule run_spectra:
    input:
        spikes=f"{RUN_DIR}/spikes.parquet",
        traces=f"{RUN_DIR}/traces.npz",
        run=f"{RUN_DIR}/run.json",
    output:
        psd=f"{RUN_DIR}/psd.tsv",
        fits=f"{RUN_DIR}/fooof.tsv",
    params:
        spectra=config["spectra"],
    log:
        "logs/run_spectra/{network}/{backend}/{weights}.log",
    benchmark:
        "benchmarks/run_spectra/{network}/{backend}/{weights}.tsv"
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/run_spectra.py"


rule spectra_table:
    input:
        fits=run_files("fooof.tsv"),
    output:
        spectra=report(
            "results/stats/spectra.tsv",
            caption="../report/spectra_table.rst",
            category="Spectra",
            labels={"table": "FOOOF fits"},
        ),
    log:
        "logs/spectra_table.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/spectra_table.py"


rule resolved_config:
    output:
        config=report(
            "results/config.yaml",
            caption="../report/config.rst",
            category="Configuration",
            labels={"file": "resolved configuration"},
        ),
    params:
        config=dict(config),
    log:
        "logs/resolved_config.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/resolved_config.py"


rule provenance:
    input:
        runs=run_files("run.json") + sweep_run_records(),
    output:
        provenance=report(
            "results/stats/provenance.tsv",
            caption="../report/provenance.rst",
            category="Configuration",
            labels={"table": "provenance"},
        ),
    params:
        config_sha256=config_hash(dict(config)),
    log:
        "logs/provenance.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/provenance.py"
