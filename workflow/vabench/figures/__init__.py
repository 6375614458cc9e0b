"""Figures of the study: the Brette et al. (2007) Fig. 24 layout per backend, and histograms of the recorded state."""
