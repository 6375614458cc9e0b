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
    conda:
        "../../envs/figures.yaml"
    params:
        backends=BACKENDS,
        t_stop_ms=config["simulation"]["t_stop_ms"],
        network=NETWORK,
        seed=MAIN_SEED,
    script:
        "../scripts/fig24_backends.py"


rule fig24_backends_main:
    input:
        unpack(lambda wc: figure_runs(WEIGHTS[0])),
    output:
        png="results/figures/fig24_backends.png",
        svg="results/figures/fig24_backends.svg",
    log:
        "logs/figures/fig24_backends.log",
    conda:
        "../../envs/figures.yaml"
    params:
        backends=BACKENDS,
        t_stop_ms=config["simulation"]["t_stop_ms"],
        network=NETWORK,
        seed=MAIN_SEED,
        weights=WEIGHTS[0],
    script:
        "../scripts/fig24_backends.py"


rule state_histograms:
    input:
        unpack(lambda wc: figure_runs(WEIGHTS[0])),
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
        cells=run_files("cells.tsv", WEIGHTS[0]),
        pairs=run_files("pairs.tsv", WEIGHTS[0]),
        summaries=run_files("summary.tsv", WEIGHTS[0]),
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
