rule run_statistics:
    input:
        spikes=f"{RUN_DIR}/spikes.parquet",
        run=f"{RUN_DIR}/run.json",
    output:
        cells=f"{RUN_DIR}/cells.tsv",
        pairs=f"{RUN_DIR}/pairs.tsv",
        summary=f"{RUN_DIR}/summary.tsv",
    log:
        "logs/run_statistics/{network}/{backend}/{weights}.log",
    benchmark:
        "benchmarks/run_statistics/{network}/{backend}/{weights}.tsv"
    conda:
        "../../envs/analysis.yaml"
    params:
        analysis=config["analysis"],
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
        pairs=run_files("pairs.tsv"),
        summaries=run_files("summary.tsv"),
        psd=run_files("psd.tsv"),
    output:
        agreement=report(
            "results/stats/agreement.tsv",
            caption="../report/agreement.rst",
            category="Multi-simulator comparison",
            labels={"table": "verdict per statistic"},
        ),
        pairs=report(
            "results/stats/agreement_pairs.tsv",
            caption="../report/agreement_pairs.rst",
            category="Multi-simulator comparison",
            labels={"table": "verdict per pair (read first)"},
        ),
    log:
        "logs/agreement.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        backends=BACKENDS,
        compare={
            k: v for k, v in config["compare"].items() if k != "divergence_windows_ms"
        },
        spectra=config["spectra"],
    script:
        "../scripts/agreement.py"


rule divergence:
    input:
        spikes=run_files("spikes.parquet"),
        runs=run_files("run.json"),
    output:
        divergence=report(
            "results/stats/divergence.tsv",
            caption="../report/divergence_table.rst",
            category="Multi-simulator comparison",
            labels={"table": "divergence"},
        ),
    log:
        "logs/divergence.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        windows_ms=config["compare"]["divergence_windows_ms"],
    script:
        "../scripts/divergence.py"


rule run_spectra:
    input:
        spikes=f"{RUN_DIR}/spikes.parquet",
        traces=f"{RUN_DIR}/traces.npz",
        run=f"{RUN_DIR}/run.json",
        summary=f"{RUN_DIR}/summary.tsv",
    output:
        psd=f"{RUN_DIR}/psd.tsv",
        fits=f"{RUN_DIR}/fooof.tsv",
    log:
        "logs/run_spectra/{network}/{backend}/{weights}.log",
    benchmark:
        "benchmarks/run_spectra/{network}/{backend}/{weights}.tsv"
    conda:
        "../../envs/analysis.yaml"
    params:
        spectra=config["spectra"],
    script:
        "../scripts/run_spectra.py"


rule spectra_table:
    input:
        fits=run_files("fooof.tsv"),
        psd=run_files("psd.tsv"),
        summary="results/stats/summary.tsv",
    output:
        spectra=report(
            "results/stats/spectra.tsv",
            caption="../report/spectra_table.rst",
            category="Spectra",
            labels={"table": "FOOOF fits per run"},
        ),
        ensemble=report(
            "results/stats/spectra_ensemble.tsv",
            caption="../report/spectra_ensemble.rst",
            category="Spectra",
            labels={"table": "FOOOF fits of the ensemble-mean spectra"},
        ),
        mean_psd="results/stats/spectra_mean_psd.tsv",
    log:
        "logs/spectra_table.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        spectra=config["spectra"],
    script:
        "../scripts/spectra_table.py"


rule resolved_config:
    input:
        provenance="results/stats/provenance.tsv",
    output:
        config=report(
            "results/config.yaml",
            caption="../report/config.rst",
            category="Configuration",
            labels={"file": "resolved configuration"},
        ),
    log:
        "logs/resolved_config.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        config=dict(config),
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
    log:
        "logs/provenance.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        config_sha256=config_hash(dict(config)),
    script:
        "../scripts/provenance.py"
