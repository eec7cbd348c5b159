r"""Metrics of shielded and diverse generation: in-shield rate, Vendi score, PRDC, Fréchet distance.

All take arrays of shape (n, d) (flatten images first) and return floats.
"""

import numpy as np
from scipy import linalg
from sklearn.utils import check_array

from ._shield_index import ShieldIndex, resolve_algorithm

__all__ = ["in_shield_rate", "vendi_score", "precision_recall_density_coverage", "frechet_distance"]


def _points(X, name):
    X = np.asarray(X)
    X = X.reshape(len(X), -1) if X.ndim > 2 else X
    return check_array(X, dtype=np.float64, input_name=name)


def in_shield_rate(X, shield, radius, algorithm="auto"):
    r"""Fraction of samples within ``radius`` of a reference: :math:`\frac1n \sum_i
    \mathbb 1[\min_k \lVert x_i - z_k\rVert < r]` (Kirchhof et al. 2025, Sec. 5).

    Parameters
    ----------
    X : array-like of shape (n, d)
    shield : array-like of shape (m, d)
    radius : float > 0
    algorithm : str, default="auto"
        As :class:`~sklot.diffusion.SparseRepellency` (``"faiss"`` is approximate).

    Examples
    --------
    >>> from sklot.diffusion.metrics import in_shield_rate
    >>> in_shield_rate([[0.0, 0.5], [3.0, 0.0]], [[0.0, 0.0]], radius=1.0)
    0.5
    """
    import torch

    X, Z = _points(X, "X"), _points(shield, "shield")
    if X.shape[1] != Z.shape[1]:
        raise ValueError(f"X has {X.shape[1]} features but the shield has {Z.shape[1]}.")
    if not radius > 0:
        raise ValueError(f"radius must be positive; got {radius!r}.")
    index = ShieldIndex(Z, resolve_algorithm(algorithm, *Z.shape))
    rows, _ = index.pairs(torch.as_tensor(X), float(radius))
    return float(len(np.unique(rows.numpy())) / len(X))


def _rbf(X, bandwidth):
    d2 = _distances(X, X) ** 2
    if bandwidth is None:
        bandwidth = np.sqrt(np.median(d2[np.triu_indices(len(X), 1)]))
    return np.exp(-d2 / (2 * bandwidth**2))


def vendi_score(X, kernel="rbf", bandwidth=None):
    r"""Vendi score :math:`\exp\big(-\sum_i \lambda_i \log \lambda_i\big)`, :math:`\lambda` the eigenvalues
    of :math:`K/n` (Friedman & Dieng 2023): the effective number of distinct samples, in
    :math:`[1, n]`.

    Parameters
    ----------
    X : array-like of shape (n, d)
    kernel : {"rbf", "cosine"} or callable, default="rbf"
        ``"rbf"``: :math:`\exp(-\lVert x-x'\rVert^2 / 2h^2)`, :math:`h` = ``bandwidth`` (default the
        median pairwise distance); ``"cosine"``: :math:`\langle x, x'\rangle / \lVert x\rVert\lVert x'\rVert`
        (vendi-score's ``score_dual`` of normalised features); a callable ``k(X) -> K`` (n, n).
    bandwidth : float or None
    """
    X = _points(X, "X")
    if callable(kernel):
        K = np.asarray(kernel(X), dtype=np.float64)
    elif kernel == "rbf":
        K = _rbf(X, bandwidth)
    elif kernel == "cosine":
        U = X / np.linalg.norm(X, axis=1, keepdims=True)
        K = U @ U.T
    else:
        raise ValueError(f"kernel must be 'rbf', 'cosine' or a callable; got {kernel!r}.")
    lam = np.linalg.eigvalsh(K / len(X))
    lam = lam[lam > 0]
    return float(np.exp(-np.sum(lam * np.log(lam))))


def _distances(A, B):
    from sklearn.metrics import pairwise_distances

    return pairwise_distances(A, B)


def precision_recall_density_coverage(real, fake, n_neighbors=5):
    r"""Precision, recall (Kynkäänniemi et al. 2019), density and coverage (Naeem et al. 2020).

    With :math:`r_k(x)` the distance of :math:`x` to its ``n_neighbors``-th nearest neighbour in its own
    set and :math:`B(x, r)` open balls,

    .. math::

        \text{precision} = \tfrac1m \textstyle\sum_j \mathbb 1[y_j \in \cup_i B(x_i, r_k(x_i))], \quad
        \text{recall} = \tfrac1n \textstyle\sum_i \mathbb 1[x_i \in \cup_j B(y_j, r_k(y_j))],

        \text{density} = \tfrac{1}{km} \textstyle\sum_j \sum_i \mathbb 1[y_j \in B(x_i, r_k(x_i))], \quad
        \text{coverage} = \tfrac1n \textstyle\sum_i \mathbb 1[\exists j: y_j \in B(x_i, r_k(x_i))],

    :math:`x` the real and :math:`y` the generated samples (the conventions of PyPI ``prdc``).

    Returns
    -------
    dict with keys "precision", "recall", "density", "coverage"
    """
    R, F = _points(real, "real"), _points(fake, "fake")
    if R.shape[1] != F.shape[1]:
        raise ValueError(f"real has {R.shape[1]} features but fake has {F.shape[1]}.")
    k = int(n_neighbors)
    if k < 1 or k >= min(len(R), len(F)):
        raise ValueError(f"n_neighbors must be in [1, {min(len(R), len(F)) - 1}]; got {n_neighbors!r}.")
    r_real = np.sort(_distances(R, R), axis=1)[:, k]  # column 0 is the point itself
    r_fake = np.sort(_distances(F, F), axis=1)[:, k]
    D = _distances(R, F)  # (n_real, n_fake)
    inside_real = D < r_real[:, None]
    return {
        "precision": float(inside_real.any(0).mean()),
        "recall": float((D < r_fake[None, :]).any(1).mean()),
        "density": float(inside_real.sum(0).mean() / k),
        "coverage": float((D.min(1) < r_real).mean()),
    }


def frechet_distance(X, Y):
    r"""Fréchet distance of the Gaussians fitted to two feature sets,
    :math:`\lVert\mu_X - \mu_Y\rVert^2 + \operatorname{tr}(\Sigma_X + \Sigma_Y - 2(\Sigma_X\Sigma_Y)^{1/2})`
    (Heusel et al. 2017, with features of a classifier trained by the caller instead of Inception's).
    """
    X, Y = _points(X, "X"), _points(Y, "Y")
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"X has {X.shape[1]} features but Y has {Y.shape[1]}.")
    mu = X.mean(0) - Y.mean(0)
    S1, S2 = np.atleast_2d(np.cov(X, rowvar=False)), np.atleast_2d(np.cov(Y, rowvar=False))
    # tr (S1 S2)^{1/2} = tr (S1^{1/2} S2 S1^{1/2})^{1/2}: a symmetric PSD root, also for the singular
    # covariances of features with dead units (where sqrtm(S1 @ S2) is ill-conditioned)
    w, V = linalg.eigh(S1)
    r1 = (V * np.sqrt(np.clip(w, 0, None))) @ V.T
    lam = linalg.eigvalsh(r1 @ S2 @ r1)
    return float(mu @ mu + np.trace(S1) + np.trace(S2) - 2 * np.sum(np.sqrt(np.clip(lam, 0, None))))
