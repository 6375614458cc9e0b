"""vabench: the Vogels & Abbott (2005) COBA network, Brette et al. (2007) benchmark 1, on
NEST, NEURON and Brian2 through PyNN, from one stored network per seed."""

__version__ = "0.1.0"
