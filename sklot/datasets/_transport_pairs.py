"""Pairs of distributions whose optimal transport map (quadratic cost) is known exactly."""

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

__all__ = ["make_transport_pair"]


def _rng(random_state):
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(check_random_state(random_state).randint(2**31 - 1))


def _w2gn_covariance(d, rng):
    # Korotin et al. (2021), W2GN benchmark: S = R diag(exp(linspace(log .5, log 2, d)))^2 R^T
    from scipy.stats import ortho_group

    scales = np.exp(np.linspace(np.log(0.5), np.log(2.0), d)) ** 2
    R = ortho_group.rvs(d, random_state=rng) if d > 1 else np.ones((1, 1))
    return (R * scales) @ R.T


def _gaussian_pair(d, rng):
    import ot

    cov_s = _w2gn_covariance(d, rng)
    cov_t = _w2gn_covariance(d, rng)
    mean_s = np.zeros(d)
    mean_t = np.zeros(d)
    # POT's closed form: T(x) = x A + b (rows are samples), A symmetric positive definite
    A, b = ot.gaussian.bures_wasserstein_mapping(mean_s, mean_t, cov_s, cov_t)
    A, b = np.asarray(A), np.asarray(b)
    L_s = np.linalg.cholesky(cov_s)
    L_t = np.linalg.cholesky(cov_t)

    def sample_source(n, rng=None):
        return mean_s + _rng(rng).standard_normal((int(n), d)) @ L_s.T

    def sample_target(n, rng=None):
        return mean_t + _rng(rng).standard_normal((int(n), d)) @ L_t.T

    def exact_map(X):
        return np.asarray(X, dtype=np.float64) @ A + b

    info = dict(mean_source=mean_s, cov_source=cov_s, mean_target=mean_t, cov_target=cov_t, A=A, b=b)
    return sample_source, sample_target, exact_map, info


def _mixture_pair(d, rng, hard=False):
    # source: a Gaussian mixture (3 isotropic components; "mixture_hard": 6 anisotropic ones), standardised
    # (zero mean, unit variance per coordinate); psi(x) = |x|^2 / 2 + sum_k c_k softplus(w_k . x + t_k),
    # c_k > 0: strongly convex (modulus 1) with a Lipschitz gradient (constant 1 + sum_k c_k |w_k|^2 / 4),
    # so grad psi is the Brenier map of mu onto nu = grad psi # mu.
    n_comp = 6 if hard else 3
    centers = rng.normal(size=(n_comp, d)) * 2.0
    # per-component, per-axis spreads (hard: anisotropic, 0.2 to 1.0; else 0.6)
    spread = rng.uniform(0.2, 1.0, size=(n_comp, d)) if hard else np.full((n_comp, d), 0.6)
    n_ref = 20000
    comp = rng.integers(0, n_comp, size=n_ref)
    ref = centers[comp] + spread[comp] * rng.standard_normal((n_ref, d))
    shift, scale = ref.mean(0), ref.std(0)
    K = 8 if hard else 4
    W = rng.normal(size=(K, d))
    # slopes |w_k| = 2.5 (hard: 4): curved enough on the standardised source that the best linear map
    # is visibly biased (L2-UVP of a few percent)
    W *= (4.0 if hard else 2.5) / np.linalg.norm(W, axis=1, keepdims=True)
    t = rng.normal(size=K) * 0.5
    c = rng.uniform(0.5, 1.5, size=K)

    def sample_source(n, rng=None):
        g = _rng(rng)
        k = g.integers(0, n_comp, size=int(n))
        return (centers[k] + spread[k] * g.standard_normal((int(n), d)) - shift) / scale

    def exact_map(X):
        X = np.asarray(X, dtype=np.float64)
        z = X @ W.T + t
        sig = 1.0 / (1.0 + np.exp(-z))
        return X + (sig * c) @ W

    def sample_target(n, rng=None):
        return exact_map(sample_source(n, rng))

    info = dict(psi_lipschitz_gradient=1.0 + float(np.sum(c * np.sum(W**2, axis=1))) / 4.0)
    return sample_source, sample_target, exact_map, info


@validate_params(
    {
        "kind": [StrOptions({"gaussian", "mixture", "mixture_hard"})],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "return_info": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def make_transport_pair(kind="gaussian", *, n_features=2, random_state=None, return_info=False):
    r"""A source, a target and the exact optimal transport map between them (quadratic cost).

    * ``"gaussian"``: the W2GN construction of Korotin et al. (2021): zero means, covariances
      :math:`S = R\,\mathrm{diag}(e^{\mathrm{linspace}(\log .5, \log 2, d)})^2 R^\top` with random
      rotations :math:`R`; the exact map is the Bures map
      :math:`T^*(x) = m_\nu + A (x - m_\mu)`,
      :math:`A = S_\mu^{-1/2} (S_\mu^{1/2} S_\nu S_\mu^{1/2})^{1/2} S_\mu^{-1/2}`
      (``ot.gaussian.bures_wasserstein_mapping``).
    * ``"mixture"``: a standardised 3-component Gaussian mixture source :math:`\mu` and
      :math:`\nu = \nabla\psi \# \mu` for the strongly convex
      :math:`\psi(x) = |x|^2/2 + \sum_k c_k\,\mathrm{softplus}(w_k^\top x + t_k)`, :math:`c_k > 0`;
      by Brenier's theorem :math:`T^* = \nabla\psi`.
    * ``"mixture_hard"``: the same construction with 6 anisotropic components (per-axis spreads
      uniform in [0.2, 1]) and 8 softplus terms of slope 4 instead of 4 of slope 2.5: a more curved
      map, whose linear (Bures) fit is further off (closer to the pair of the issue).

    Parameters
    ----------
    kind : {"gaussian", "mixture", "mixture_hard"}, default="gaussian"
    n_features : int, default=2
    random_state : int, RandomState instance or None, default=None
        Draws the pair (covariances, mixture, potential), not the samples.
    return_info : bool, default=False
        Also return a dict with the pair's parameters (Gaussian: means, covariances, ``A``, ``b``
        with :math:`T^*(x) = x A + b` for row samples).

    Returns
    -------
    sample_source : callable ``(n, rng=None) -> ndarray (n, n_features)``
        ``rng``: seed or ``numpy.random.Generator``.
    sample_target : callable ``(n, rng=None) -> ndarray (n, n_features)``
    exact_map : callable ``(X) -> ndarray`` of the same shape
    info : dict, only when ``return_info``

    Examples
    --------
    >>> from sklot.datasets import make_transport_pair
    >>> sample_source, sample_target, exact_map = make_transport_pair("gaussian", n_features=3,
    ...                                                               random_state=0)
    >>> exact_map(sample_source(5, rng=1)).shape
    (5, 3)
    """
    rng = _rng(random_state)
    if kind == "gaussian":
        built = _gaussian_pair(int(n_features), rng)
    else:
        built = _mixture_pair(int(n_features), rng, hard=kind == "mixture_hard")
    sample_source, sample_target, exact_map, info = built
    if return_info:
        return sample_source, sample_target, exact_map, info
    return sample_source, sample_target, exact_map
