# One job per backend, weight set and block of seeds (ensemble.seeds_per_job): per-cell and
# per-pair measures of the spike trains, and the population signals, of every run of the block.
rule extract:
    input:
        spikes=lambda wc: block_runs(wc, "spikes.parquet"),
        traces=lambda wc: block_runs(wc, "traces.npz"),
        runs=lambda wc: block_runs(wc, "run.json"),
    output:
        cells=f"{ANALYSIS_DIR}/cells.tsv",
        pairs=f"{ANALYSIS_DIR}/pairs.tsv",
        cell_summary=f"{ANALYSIS_DIR}/cell_summary.tsv",
        signals=f"{ANALYSIS_DIR}/signals.npz",
    log:
        f"{LOGS}extract/{{backend}}/{{weights}}/{{block}}.log",
    benchmark:
        f"{BENCHMARKS}extract/{{backend}}/{{weights}}/{{block}}.tsv"
    conda:
        "../../envs/extract.yaml"
    params:
        analysis=ANALYSIS,
        spectra={k: config["spectra"][k] for k in ("bin_ms", "t_start_ms")},
    script:
        "../scripts/extract.py"
