"""Conjugate moment measures: sample and map with a single convex potential.

Vesseron, Bethune & Cuturi, "Sample and Map from a Single Convex Potential:
Generation using Conjugate Moment Measures", NeurIPS 2025.
"""

from ._conjugate import conjugate_gradient, conjugate_value, potential_gradient
from ._estimator import ConjugateMomentSampler
from ._fixed_point import barycentric_targets, fixed_point_fit
from ._gaussian import gaussian_conjugate_moment
from ._icnn import ICNNPotential
from ._langevin import langevin

__all__ = [
    "ConjugateMomentSampler",
    "ICNNPotential",
    "barycentric_targets",
    "conjugate_gradient",
    "conjugate_value",
    "fixed_point_fit",
    "gaussian_conjugate_moment",
    "langevin",
    "potential_gradient",
]
