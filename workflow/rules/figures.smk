rule fig24_backends:
    input:
        unpack(lambda wc: figure_runs(wc.weights)),
    output:
        png=report(
            f"{RESULTS}figures/fig24_backends_{{weights}}.png",
            caption="../report/fig24_backends.rst",
            category="Multi-simulator comparison",
            labels={"figure": "Fig. 24 layout", "weights": "{weights}"},
        ),
        svg=f"{RESULTS}figures/fig24_backends_{{weights}}.svg",
    log:
        f"{LOGS}figures/fig24_backends_{{weights}}.log",
    benchmark:
        f"{BENCHMARKS}fig24_backends/{{weights}}.tsv"
    conda:
        "../../envs/figures.yaml"
    params:
        backends=BACKENDS,
        t_stop_ms=config["simulation"]["t_stop_ms"],
        network=NETWORK,
        seed=MAIN_SEED,
        model=MODEL.name,
    script:
        "../scripts/fig24_backends.py"


# the first weight set's figure under the name a reader looks for first
rule fig24_backends_main:
    input:
        png=f"{RESULTS}figures/fig24_backends_{WEIGHTS[0]}.png",
        svg=f"{RESULTS}figures/fig24_backends_{WEIGHTS[0]}.svg",
    output:
        png=f"{RESULTS}figures/fig24_backends.png",
        svg=f"{RESULTS}figures/fig24_backends.svg",
    log:
        f"{LOGS}figures/fig24_backends.log",
    benchmark:
        f"{BENCHMARKS}fig24_backends_main/fig24_backends.tsv"
    conda:
        "../../envs/figures.yaml"
    shell:
        "(cp {input.png} {output.png} && cp {input.svg} {output.svg}) > {log} 2>&1"


rule state_histograms:
    input:
        traces=run_files("traces.npz", WEIGHTS[0], networks=[NETWORK]),
        run=run_files("run.json", WEIGHTS[0], networks=[NETWORK]),
    output:
        png=report(
            f"{RESULTS}figures/state_histograms.png",
            caption="../report/state_histograms.rst",
            category="Multi-simulator comparison",
            labels={"figure": "state histograms"},
        ),
        svg=f"{RESULTS}figures/state_histograms.svg",
    log:
        f"{LOGS}figures/state_histograms.log",
    benchmark:
        f"{BENCHMARKS}state_histograms/state_histograms.tsv"
    conda:
        "../../envs/figures.yaml"
    params:
        backends=BACKENDS,
        network=NETWORK,
        weights=WEIGHTS[0],
    script:
        "../scripts/state_histograms.py"


rule spectra_figure:
    input:
        psd=f"{RESULTS}stats/spectra_mean_psd.tsv",
        fits=f"{RESULTS}stats/spectra_ensemble.tsv",
    output:
        png=report(
            f"{RESULTS}figures/spectra.png",
            caption="../report/spectra.rst",
            category="Spectra",
            labels={"figure": "power spectra"},
        ),
        svg=f"{RESULTS}figures/spectra.svg",
    log:
        f"{LOGS}figures/spectra.log",
    benchmark:
        f"{BENCHMARKS}spectra_figure/spectra.tsv"
    conda:
        "../../envs/figures.yaml"
    params:
        freq_range_hz=config["spectra"]["freq_range_hz"],
        n_seeds=len(config["ensemble"]["seeds"]),
        model=MODEL.name,
    script:
        "../scripts/spectra_figure.py"


rule ensemble_figure:
    input:
        summary=f"{RESULTS}stats/summary.tsv",
        agreement=f"{RESULTS}stats/agreement.tsv",
        divergence=f"{RESULTS}stats/divergence.tsv",
        cells=block_tables("cells.tsv", WEIGHTS[0]),
        pairs=block_tables("pairs.tsv", WEIGHTS[0]),
    output:
        png=report(
            f"{RESULTS}figures/{{figure}}.png",
            caption="../report/ensemble_figures.rst",
            category="Ensemble verdict",
            labels={"figure": "{figure}"},
        ),
        svg=f"{RESULTS}figures/{{figure}}.svg",
    log:
        f"{LOGS}figures/{{figure}}.log",
    benchmark:
        f"{BENCHMARKS}ensemble_figure/{{figure}}.tsv"
    wildcard_constraints:
        figure="|".join(ENSEMBLE_FIGURES),
    conda:
        "../../envs/figures.yaml"
    params:
        n_seeds=len(config["ensemble"]["seeds"]),
        n_cells=config["network"]["n_cells"],
        weights=list(WEIGHT_PAIRS[0]),
    script:
        "../scripts/ensemble_figure.py"
