"""The shared core of sklot: device resolution, randomness, validation, the training engine.

Small on purpose: every estimator family depends on it and on nothing else of sklot.
"""

from .base import TorchEstimatorMixin
from .device import resolve_device, to_numpy
from .random import draw_seed, numpy_generator, global_rng_guard, torch_generator
from .validation import check_bags, check_graphs, check_point_weight

__all__ = [
    "TorchEstimatorMixin",
    "check_bags",
    "check_graphs",
    "check_point_weight",
    "draw_seed",
    "global_rng_guard",
    "numpy_generator",
    "resolve_device",
    "to_numpy",
    "torch_generator",
]
