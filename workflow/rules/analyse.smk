# Statistics and spectra of every run of an extract block: summaries, Welch PSDs, FOOOF fits.
rule run_statistics:
    input:
        spikes=lambda wc: block_runs(wc, "spikes.parquet"),
        runs=lambda wc: block_runs(wc, "run.json"),
        cell_summary=f"{ANALYSIS_DIR}/cell_summary.tsv",
        signals=f"{ANALYSIS_DIR}/signals.npz",
    output:
        summary=f"{ANALYSIS_DIR}/summary.tsv",
        psd=f"{ANALYSIS_DIR}/psd.tsv",
        fooof=f"{ANALYSIS_DIR}/fooof.tsv",
    log:
        f"{LOGS}run_statistics/{{backend}}/{{weights}}/{{block}}.log",
    benchmark:
        f"{BENCHMARKS}run_statistics/{{backend}}/{{weights}}/{{block}}.tsv"
    conda:
        "../../envs/analysis.yaml"
    params:
        analysis=ANALYSIS,
        spectra=config["spectra"],
    script:
        "../scripts/run_statistics.py"


rule summary:
    input:
        summaries=block_tables("summary.tsv"),
    output:
        summary=report(
            f"{RESULTS}stats/summary.tsv",
            caption="../report/summary.rst",
            category="Multi-simulator comparison",
            labels={"table": "summary"},
        ),
    log:
        f"{LOGS}summary.log",
    benchmark:
        f"{BENCHMARKS}summary/summary.tsv"
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/summary.py"


rule verdict_page:
    input:
        agreement=f"{RESULTS}stats/agreement.tsv",
        pairs=f"{RESULTS}stats/agreement_pairs.tsv",
    output:
        f"{RESULTS}verdict.rst",
    log:
        f"{LOGS}verdict_page.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        config={
            k: config[k]
            for k in (
                "model",
                "network",
                "ensemble",
                "simulation",
                "backends",
                "compare",
            )
        },
    script:
        "../scripts/verdict_page.py"


rule conventions_table:
    input:
        expand(f"{RESULTS}stats/conventions/{{backend}}.json", backend=BACKENDS),
    output:
        report(
            f"{RESULTS}stats/conventions.tsv",
            caption="../report/conventions.rst",
            category="Multi-simulator comparison",
            labels={"table": "conventions per engine"},
        ),
    log:
        f"{LOGS}conventions_table.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/conventions_table.py"


rule agreement:
    input:
        conventions=f"{RESULTS}stats/conventions.tsv",
        cells=block_tables("cells.tsv"),
        pairs=block_tables("pairs.tsv"),
        summaries=block_tables("summary.tsv"),
        psd=block_tables("psd.tsv"),
    output:
        agreement=report(
            f"{RESULTS}stats/agreement.tsv",
            caption="../report/agreement.rst",
            category="Multi-simulator comparison",
            labels={"table": "verdict per statistic"},
        ),
        pairs=report(
            f"{RESULTS}stats/agreement_pairs.tsv",
            caption="../report/agreement_pairs.rst",
            category="Multi-simulator comparison",
            labels={"table": "verdict per pair (read first)"},
        ),
    log:
        f"{LOGS}agreement.log",
    benchmark:
        f"{BENCHMARKS}agreement/agreement.tsv"
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
            f"{RESULTS}stats/divergence.tsv",
            caption="../report/divergence_table.rst",
            category="Multi-simulator comparison",
            labels={"table": "divergence"},
        ),
    log:
        f"{LOGS}divergence.log",
    benchmark:
        f"{BENCHMARKS}divergence/divergence.tsv"
    conda:
        "../../envs/analysis.yaml"
    params:
        windows_ms=config["compare"]["divergence_windows_ms"],
    script:
        "../scripts/divergence.py"


rule spectra_table:
    input:
        fits=block_tables("fooof.tsv"),
        psd=block_tables("psd.tsv"),
        summary=f"{RESULTS}stats/summary.tsv",
    output:
        spectra=report(
            f"{RESULTS}stats/spectra.tsv",
            caption="../report/spectra_table.rst",
            category="Spectra",
            labels={"table": "FOOOF fits per run"},
        ),
        ensemble=report(
            f"{RESULTS}stats/spectra_ensemble.tsv",
            caption="../report/spectra_ensemble.rst",
            category="Spectra",
            labels={"table": "FOOOF fits of the ensemble-mean spectra"},
        ),
        mean_psd=f"{RESULTS}stats/spectra_mean_psd.tsv",
    log:
        f"{LOGS}spectra_table.log",
    benchmark:
        f"{BENCHMARKS}spectra_table/spectra_table.tsv"
    conda:
        "../../envs/analysis.yaml"
    params:
        spectra=config["spectra"],
    script:
        "../scripts/spectra_table.py"


rule resolved_config:
    input:
        provenance=f"{RESULTS}stats/provenance.tsv",
    output:
        config=report(
            f"{RESULTS}config.yaml",
            caption="../report/config.rst",
            category="Configuration",
            labels={"file": "resolved configuration"},
        ),
    log:
        f"{LOGS}resolved_config.log",
    benchmark:
        f"{BENCHMARKS}resolved_config/resolved_config.tsv"
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
            f"{RESULTS}stats/provenance.tsv",
            caption="../report/provenance.rst",
            category="Configuration",
            labels={"table": "provenance"},
        ),
    log:
        f"{LOGS}provenance.log",
    benchmark:
        f"{BENCHMARKS}provenance/provenance.tsv"
    conda:
        "../../envs/analysis.yaml"
    params:
        config_sha256=config_hash(dict(config)),
    script:
        "../scripts/provenance.py"
