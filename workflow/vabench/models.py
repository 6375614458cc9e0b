"""The benchmarks of Brette et al. (2007) as config choices (key ``model``): which config section
holds the cell, what the recurrent weights are, where initial v is drawn, and where a study's
files go. The equations live in the engines (each engine declares the models it implements);
the parameters, with their sources, are in config/README.md ("Benchmarks 2 and 3").
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Model:
    name: str
    cell_section: str  # the config section of the cell parameters (PyNN names and units)
    pynn_cell: str  # the PyNN standard cell type
    weight_keys: tuple[str, str]  # the keys of one weight set: (excitatory, inhibitory)
    weight_unit: str  # "nS" (a conductance step) or "pA" (a current step; inhibitory given as its size)
    summary: str
    title: str  # what a study of it is, for the first line of its verdict page
    # what every engine records of a traced cell: PyNN's IF_curr_exp records only v
    traced: tuple[str, ...] = ("v", "gsyn_exc", "gsyn_inh")
    network: str = ""  # what a figure title calls the network

    @property
    def current_based(self) -> bool:
        return self.weight_unit == "pA"

    def pynn_weight(self, value: float, receptor: str) -> float:
        """A weight of the config (nS or pA) as PyNN takes it: uS or nA, and, on current
        synapses, negative on the inhibitory receptor (PyNN's rule for current-based cells)."""
        sign = -1.0 if self.current_based and receptor == "inhibitory" else 1.0
        return sign * float(value) * 1e-3

    def v_init_range_mV(self, cfg: dict) -> list[float]:
        """Where each cell's initial v is drawn (uniformly), from the model's cell section."""
        cell = cfg[self.cell_section]
        if "v_init_mV" in cell:
            return [float(x) for x in cell["v_init_mV"]]
        return [cell["v_reset"], cell["v_thresh"]]


MODELS = {
    "coba": Model(
        "coba",
        "cell",
        "IF_cond_exp",
        ("g_exc_nS", "g_inh_nS"),
        "nS",
        "benchmark 1: the Vogels-Abbott network, integrate-and-fire cells with exponential conductances",
        "The Vogels & Abbott (2005) balanced COBA network, benchmark 1 of Brette et al. (2007)",
        network="Vogels-Abbott COBA network",
    ),
    "cuba": Model(
        "cuba",
        "cuba_cell",
        "IF_curr_exp",
        ("w_exc_pA", "w_inh_pA"),
        "pA",
        "benchmark 2: integrate-and-fire cells with exponential currents, leak above threshold",
        "The CUBA network (integrate-and-fire cells, current synapses), benchmark 2 of Brette et al. (2007)",
        traced=("v",),
        network="CUBA network (benchmark 2)",
    ),
    "hh-coba": Model(
        "hh-coba",
        "hh_cell",
        "HH_cond_exp",
        ("g_exc_nS", "g_inh_nS"),
        "nS",
        "benchmark 3: Traub-Miles Hodgkin-Huxley cells with exponential conductances",
        "The HH-COBA network (Traub-Miles Hodgkin-Huxley cells in the Vogels & Abbott network), "
        "benchmark 3 of Brette et al. (2007)",
        network="HH-COBA network (benchmark 3)",
    ),
}


def describe_weights(label: str) -> str:
    """A weights path segment in words with units: ``gexc~4.0_ginh~51.0`` -> "g_exc 4 nS,
    g_inh 51 nS"; ``wexc~16.2_winh~90.0`` -> "w_exc 16.2 pA, w_inh 90 pA"."""
    (_, exc), (_, inh) = (part.split("~") for part in label.split("_"))
    return describe_pair(float(exc), float(inh), "coba" if label.startswith("g") else "cuba")


def describe_pair(exc: float, inh: float, model: str = "coba") -> str:
    """One weight set of ``model`` in words with units: "g_exc 4 nS, g_inh 51 nS"."""
    m = MODELS[model]
    names = [key.rsplit("_", 1)[0] for key in m.weight_keys]
    return f"{names[0]} {exc:g} {m.weight_unit}, {names[1]} {inh:g} {m.weight_unit}"


def rest_mV(cell: dict) -> float:
    """Where a single cell starts: the IF cell's v_rest, the HH cell's leak reversal; v_reset for
    an IF cell whose rest is above threshold (CUBA's): NEURON counts a spike only when v crosses
    threshold upwards, so a cell started above it never fires there."""
    if "v_rest" not in cell:
        return float(cell["e_rev_leak"])
    return float(cell["v_reset"] if cell["v_rest"] >= cell["v_thresh"] else cell["v_rest"])


def get_model(cfg_or_name) -> Model:
    name = cfg_or_name if isinstance(cfg_or_name, str) else cfg_or_name.get("model", "coba")
    return MODELS[name]


def model_root(model: str, top: str = "results") -> str:
    """Where a study of ``model`` writes under ``top`` (results, logs, benchmarks): ``top`` itself
    for COBA (the paths it always had), ``top/<model>`` for the others."""
    return top if model == "coba" else f"{top}/{model}"
