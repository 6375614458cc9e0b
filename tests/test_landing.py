"""The report's landing page: the verdict per pair in words and one table, the statistics that
differ with their estimate and interval, the conventions that explain them, the seeds."""

import docutils.core
import docutils.utils
import pandas as pd

from vabench.landing import landing_text

CONFIG = {
    "network": {"n_cells": 4000, "p_connect": 0.02},
    "ensemble": {"seeds": [1, 2, 3, 4], "replicates": 1},
    "simulation": {"dt_ms": 1.0, "delay_ms": 2.0, "t_stop_ms": 1000.0},
    "backends": ["nest", "brian2", "neuron"],
    "compare": {"min_seeds": 5},
}


def tables():
    rows = [
        ("nest", "brian2", "exc", "rate", 4, 154.0, 152.7, 155.3, "different", 0),
        ("nest", "brian2", "exc", "cv", 4, 0.01, -0.02, 0.04, "inconclusive", 9),
        ("nest", "neuron", "exc", "rate", 4, 0.1, -0.3, 0.5, "inconclusive", 7),
        ("brian2", "neuron", "exc", "rate", 4, -154.0, -155.3, -152.7, "different", 0),
    ]
    cols = ["backend_a", "backend_b", "population", "statistic", "n_seeds", "estimate", "ci_low", "ci_high", "verdict"]
    agreement = pd.DataFrame([r[:-1] for r in rows], columns=cols).assign(
        g_exc_nS=4.0, g_inh_nS=51.0, seeds_needed=[r[-1] for r in rows], reason=""
    )
    pairs = pd.DataFrame(
        [
            ("nest", "brian2", "different", 4, "4/4", "4/4", 1, 9.0, "refractory clamp 5 vs 4 ms"),
            (
                "nest",
                "neuron",
                "inconclusive",
                4,
                "4/4",
                "3/4",
                1,
                7.0,
                "integration RKF45 (GSL, adaptive) vs backward Euler",
            ),
            ("brian2", "neuron", "different", 4, "4/4", "3/4", 0, 0.0, ""),
        ],
        columns=[
            "backend_a",
            "backend_b",
            "verdict",
            "n_seeds",
            "sustained_a",
            "sustained_b",
            "n_inconclusive",
            "seeds_needed",
            "conventions_that_differ",
        ],
    ).assign(g_exc_nS=4.0, g_inh_nS=51.0)
    return agreement, pairs


def test_landing_page_opens_on_the_answer():
    agreement, pairs = tables()
    text = landing_text(agreement, pairs, CONFIG)
    first = text.split("\n\n")[0]
    assert "nest, brian2, neuron" in first and "{" not in text  # the study's engines, no raw dicts
    assert "*different*: nest vs brian2 on rate (exc) +154 Hz [+153, +155]" in text
    assert "the engines differ in refractory clamp 5 vs 4 ms" in text
    assert "brian2 vs neuron on rate (exc) -154 Hz [-155, -153]; no measured convention differs" in text
    assert "*inconclusive*: nest vs neuron; about 7 seeds would settle every statistic" in text
    assert "(4 paired seeds)" in text and "4 seeds; sustained 4/4 / 3/4" in text


def test_landing_page_is_valid_restructuredtext():
    agreement, pairs = tables()
    docutils.core.publish_parts(
        landing_text(agreement, pairs, CONFIG),
        writer="html",
        settings_overrides={"halt_level": docutils.utils.Reporter.WARNING_LEVEL, "report_level": 5},
    )
