"""Closed-form conjugate moment factorisation of a Gaussian (the exact answers of the tests).

For :math:`\\rho = N(m, S)` (Vesseron, Bethune & Cuturi, 2025):

.. math::

    P_w = N(a, S^{1/3}), \\quad a = (I + S^{1/3})^{-1} m, \\quad
    w(x) = \\tfrac12 (x - a)^\\top S^{-1/3} (x - a), \\quad
    \\nabla w^*(x) = a + S^{1/3} x .

Check: :math:`\\nabla w^* \\# N(a, S^{1/3})` has mean :math:`(I + S^{1/3}) a = m` and
covariance :math:`S^{1/3} S^{1/3} S^{1/3} = S`.
"""

import numpy as np

__all__ = ["gaussian_conjugate_moment", "matrix_power_psd"]


def matrix_power_psd(S, power):
    """:math:`S^p` of a symmetric positive definite matrix by eigendecomposition."""
    S = np.atleast_2d(np.asarray(S, dtype=np.float64))
    evals, evecs = np.linalg.eigh(0.5 * (S + S.T))
    if evals.min() <= 0:
        raise ValueError(f"the covariance must be positive definite; smallest eigenvalue {evals.min():.3g}.")
    return (evecs * evals**power) @ evecs.T


def gaussian_conjugate_moment(mean, cov):
    """Latent mean, latent covariance and map matrix of :math:`N(m, S)`.

    Returns
    -------
    latent_mean : ndarray of shape (d,)
        :math:`a = (I + S^{1/3})^{-1} m`.
    latent_cov : ndarray of shape (d, d)
        :math:`S^{1/3}`.
    map_matrix : ndarray of shape (d, d)
        :math:`S^{1/3}`, so that :math:`\\nabla w^*(x) = a + S^{1/3} x`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.moment._gaussian import gaussian_conjugate_moment
    >>> a, C, A = gaussian_conjugate_moment(np.array([1.0]), np.array([[9.0]]))
    >>> round(float(a[0]), 4), round(float(C[0, 0]), 4)
    (0.3247, 2.0801)
    """
    m = np.atleast_1d(np.asarray(mean, dtype=np.float64))
    S13 = matrix_power_psd(cov, 1.0 / 3.0)
    a = np.linalg.solve(np.eye(len(m)) + S13, m)
    return a, S13, S13
