"""Data shared by the distribution benchmarks."""

import numpy as np


def gaussian_bags(n_bags, n_points, d, seed):
    """Bags of anisotropic Gaussians, as a 3-D array (n_bags, n_points, d), and a label.

    Bag i: x = m_i + z * s_i with m_i ~ N(0, 0.25 I), log s_i ~ U[log 0.5, log 2]^d;
    label y_i = sum_k log s_ik + m_i1 (a smooth functional of the distribution).
    """
    rng = np.random.default_rng(seed)
    m = 0.5 * rng.standard_normal((n_bags, 1, d))
    log_s = rng.uniform(np.log(0.5), np.log(2.0), size=(n_bags, 1, d))
    X = m + rng.standard_normal((n_bags, n_points, d)) * np.exp(log_s)
    y = log_s.sum(axis=(1, 2)) + m[:, 0, 0]
    return X, y
