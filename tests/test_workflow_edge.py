"""Studies a user exploring weights meets often run to the end, report included: no network
sustains, one engine only, only virtual runs. Every table says why it has no verdict and every
figure says why it is empty."""

import pandas as pd
import pytest
import yaml
from matplotlib.image import imread

from conftest import TINY, copy_workflow, run_snakemake

FIGURES = ("fig24_backends", "survival", "paired_differences", "distributions", "divergence", "spectra")


def run_study(workdir, name, **overrides):
    cfg = yaml.safe_load(TINY.read_text())
    cfg.update(overrides)
    (workdir / f"{name}.yaml").write_text(yaml.safe_dump(cfg))
    run_snakemake(workdir, "--configfile", f"{name}.yaml")
    run_snakemake(workdir, "--configfile", f"{name}.yaml", "--report", "results/report.html")
    return workdir / "results"


@pytest.mark.slow
@pytest.mark.parametrize(
    "backends, reason",
    [
        (["nest"], "one engine only (nest)"),  # the study of a user who has only NEST
        (["nest", "neuron"], "only 0 seed(s) where both sustained"),
    ],
)
def test_a_study_in_which_nothing_sustains_completes(tmp_path, backends, reason):
    results = run_study(
        copy_workflow(tmp_path), "dead", backends=backends, weights=[{"g_exc_nS": 2.0, "g_inh_nS": 80.0}]
    )
    summary = pd.read_csv(results / "stats/summary.tsv", sep="\t")
    assert not summary["sustained"].any(), summary.to_string()  # (2, 80) nS dies after the kick
    table = pd.read_csv(results / "stats/agreement.tsv", sep="\t")
    pairs = pd.read_csv(results / "stats/agreement_pairs.tsv", sep="\t")
    assert len(table) and set(table["verdict"]) == {"inconclusive"}, table.to_string()
    assert table["reason"].str.contains(reason, regex=False).any(), table["reason"].to_string()
    assert list(pairs["verdict"]) == ["inconclusive"]
    assert "inconclusive" in (results / "verdict.rst").read_text()
    for fig in FIGURES:
        assert imread(results / f"figures/{fig}.png").shape[0] > 100, fig
    assert (results / "report.html").stat().st_size > 10_000


@pytest.mark.slow
def test_a_study_of_only_virtual_runs_completes(tmp_path):
    pytest.importorskip("spynnaker")
    results = run_study(copy_workflow(tmp_path), "virtual", backends=["spinnaker"])
    pairs = pd.read_csv(results / "stats/agreement_pairs.tsv", sep="\t")
    assert list(pairs["verdict"]) == ["inconclusive"] * 2  # both weight sets
    summary = pd.read_csv(results / "stats/summary.tsv", sep="\t")
    assert summary["note"].str.contains("virtual").all()
    for fig in FIGURES:
        assert imread(results / f"figures/{fig}.png").shape[0] > 100, fig
    assert (results / "report.html").stat().st_size > 10_000
