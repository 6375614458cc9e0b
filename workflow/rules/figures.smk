rule fig24_backends:
    input:
        unpack(lambda wc: figure_runs(wc.weights)),
    output:
        png=report(
            "results/figures/fig24_backends_{weights}.png",
            caption="../report/fig24_backends.rst",
            category="Multi-simulator comparison",
            labels={"figure": "Fig. 24 layout", "weights": "{weights}"},
        ),
        svg="results/figures/fig24_backends_{weights}.svg",
    log:
        "logs/figures/fig24_backends_{weights}.log",
    benchmark:
        "benchmarks/fig24_backends/{weights}.tsv"
    conda:
        "../../envs/figures.yaml"
    params:
        backends=BACKENDS,
        t_stop_ms=config["simulation"]["t_stop_ms"],
        network=NETWORK,
        seed=MAIN_SEED,
    script:
        "../scripts/fig24_backends.py"


# the first weight set's figure under the name a reader looks for first
rule fig24_backends_main:
    input:
        png=f"results/figures/fig24_backends_{WEIGHTS[0]}.png",
        svg=f"results/figures/fig24_backends_{WEIGHTS[0]}.svg",
    output:
        png="results/figures/fig24_backends.png",
        svg="results/figures/fig24_backends.svg",
    log:
        "logs/figures/fig24_backends.log",
    benchmark:
        "benchmarks/fig24_backends_main/fig24_backends.tsv"
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
            "results/figures/state_histograms.png",
            caption="../report/state_histograms.rst",
            category="Multi-simulator comparison",
            labels={"figure": "state histograms"},
        ),
        svg="results/figures/state_histograms.svg",
    log:
        "logs/figures/state_histograms.log",
    benchmark:
        "benchmarks/state_histograms/state_histograms.tsv"
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
        psd="results/stats/spectra_mean_psd.tsv",
        fits="results/stats/spectra_ensemble.tsv",
    output:
        png=report(
            "results/figures/spectra.png",
            caption="../report/spectra.rst",
            category="Spectra",
            labels={"figure": "power spectra"},
        ),
        svg="results/figures/spectra.svg",
    log:
        "logs/figures/spectra.log",
    benchmark:
        "benchmarks/spectra_figure/spectra.tsv"
    conda:
        "../../envs/figures.yaml"
    params:
        freq_range_hz=config["spectra"]["freq_range_hz"],
        n_seeds=len(config["ensemble"]["seeds"]),
    script:
        "../scripts/spectra_figure.py"


rule ensemble_figure:
    input:
        summary="results/stats/summary.tsv",
        agreement="results/stats/agreement.tsv",
        divergence="results/stats/divergence.tsv",
        cells=block_tables("cells.tsv", WEIGHTS[0]),
        pairs=block_tables("pairs.tsv", WEIGHTS[0]),
    output:
        png=report(
            "results/figures/{figure}.png",
            caption="../report/ensemble_figures.rst",
            category="Ensemble verdict",
            labels={"figure": "{figure}"},
        ),
        svg="results/figures/{figure}.svg",
    log:
        "logs/figures/{figure}.log",
    benchmark:
        "benchmarks/ensemble_figure/{figure}.tsv"
    wildcard_constraints:
        figure="|".join(ENSEMBLE_FIGURES),
    conda:
        "../../envs/figures.yaml"
    params:
        n_seeds=len(config["ensemble"]["seeds"]),
        n_cells=config["network"]["n_cells"],
        weights=[config["weights"][0]["g_exc_nS"], config["weights"][0]["g_inh_nS"]],
    script:
        "../scripts/ensemble_figure.py"
