"""2-D point clouds with separated modes (generative-model targets; generators, no download)."""

import numpy as np
from sklearn.datasets import make_moons

from .._core.random import draw_seed

__all__ = ["make_ring_of_gaussians", "make_spiral", "make_two_moons"]


def make_ring_of_gaussians(n_samples=1000, *, n_modes=8, radius=4.0, std=0.4, random_state=None):
    """``n_modes`` isotropic Gaussians of standard deviation ``std`` evenly placed on a circle.

    Parameters
    ----------
    n_samples : int, default=1000
    n_modes : int, default=8
    radius : float, default=4.0
    std : float, default=0.4
    random_state : int, RandomState instance or None

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        Each point picks a mode uniformly at random.

    Examples
    --------
    >>> from sklot.datasets import make_ring_of_gaussians
    >>> make_ring_of_gaussians(5, random_state=0).shape
    (5, 2)
    """
    rng = np.random.default_rng(draw_seed(random_state))
    k = rng.integers(n_modes, size=n_samples)
    angle = 2 * np.pi * k / n_modes
    centers = radius * np.c_[np.cos(angle), np.sin(angle)]
    return centers + std * rng.normal(size=(n_samples, 2))


def make_spiral(n_samples=1000, *, turns=1.5, noise=0.3, random_state=None):
    """An Archimedean spiral (radius grows linearly with the angle) with Gaussian noise.

    Parameters
    ----------
    n_samples : int, default=1000
    turns : float, default=1.5
    noise : float, default=0.3
        Standard deviation of the isotropic Gaussian noise.
    random_state : int, RandomState instance or None

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    """
    rng = np.random.default_rng(draw_seed(random_state))
    t = np.sqrt(rng.uniform(size=n_samples)) * turns * 2 * np.pi + 0.5
    r = t / (2 * np.pi) * 3
    return np.c_[r * np.cos(t), r * np.sin(t)] + noise * rng.normal(size=(n_samples, 2))


def make_two_moons(n_samples=1000, *, noise=0.08, random_state=None):
    """scikit-learn's :func:`~sklearn.datasets.make_moons` without the labels.

    Parameters
    ----------
    n_samples : int, default=1000
    noise : float, default=0.08
    random_state : int, RandomState instance or None

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    """
    return make_moons(n_samples=n_samples, noise=noise, random_state=draw_seed(random_state))[0]
