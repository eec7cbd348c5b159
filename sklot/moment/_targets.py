"""2-D target distributions for the examples, the demo and the benchmarks (generators, no download)."""

import numpy as np
from sklearn.datasets import make_moons

from .._core.random import draw_seed

__all__ = ["make_ring_of_gaussians", "make_spiral", "make_two_moons", "TARGETS"]


def make_ring_of_gaussians(n_samples=1000, *, n_modes=8, radius=4.0, std=0.4, random_state=None):
    """``n_modes`` isotropic Gaussians of standard deviation ``std`` evenly placed on a circle."""
    rng = np.random.default_rng(draw_seed(random_state))
    k = rng.integers(n_modes, size=n_samples)
    angle = 2 * np.pi * k / n_modes
    centers = radius * np.c_[np.cos(angle), np.sin(angle)]
    return centers + std * rng.normal(size=(n_samples, 2))


def make_spiral(n_samples=1000, *, turns=1.5, noise=0.3, random_state=None):
    """An Archimedean spiral (radius grows linearly with the angle) with Gaussian noise."""
    rng = np.random.default_rng(draw_seed(random_state))
    t = np.sqrt(rng.uniform(size=n_samples)) * turns * 2 * np.pi + 0.5
    r = t / (2 * np.pi) * 3
    return np.c_[r * np.cos(t), r * np.sin(t)] + noise * rng.normal(size=(n_samples, 2))


def make_two_moons(n_samples=1000, *, noise=0.08, random_state=None):
    """scikit-learn's two moons (labels dropped)."""
    return make_moons(n_samples=n_samples, noise=noise, random_state=draw_seed(random_state))[0]


TARGETS = {"two_moons": make_two_moons, "ring": make_ring_of_gaussians, "spiral": make_spiral}
