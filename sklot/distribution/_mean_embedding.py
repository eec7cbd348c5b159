"""MeanEmbedding: bags -> kernel mean embeddings through random Fourier features (MMD geometry)."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval

from .._core.random import numpy_generator, torch_generator
from ._embedding_base import BagEmbeddingMixin
from ._fourier_mean_embedding import random_fourier_mean_embedding

__all__ = ["MeanEmbedding", "median_bandwidth"]

_MAX_MEDIAN_POINTS = 1000


def median_bandwidth(bags, seed, location=0.0, scale=1.0):
    """Median pairwise distance between (up to 1000) points drawn from the pooled bags.

    Distances are computed on ``(x - location) / scale`` (which keeps the
    squared-distance expansion accurate for data far from the origin) and
    returned in the original units.
    """
    sizes = np.array([b.shape[0] for b in bags])
    if sizes.sum() <= _MAX_MEDIAN_POINTS:
        pooled = np.concatenate(bags)
    else:
        # draw points from the pooled sample without concatenating every bag
        flat = np.sort(numpy_generator(seed).choice(sizes.sum(), _MAX_MEDIAN_POINTS, replace=False))
        bag_of = np.searchsorted(np.cumsum(sizes), flat, side="right")
        start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        pooled = np.stack([bags[b][f - start[b]] for b, f in zip(bag_of, flat)])
    pooled = (pooled - location) / scale
    sq = np.sum(pooled**2, 1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * pooled @ pooled.T, 0.0)
    d2 = d2[np.triu_indices(len(pooled), 1)]
    d2 = d2[d2 > 0]
    if d2.size == 0:
        return float(scale)
    return float(scale * np.sqrt(np.median(d2)))


class MeanEmbedding(BagEmbeddingMixin):
    r"""Kernel mean embedding of bags with random Fourier features: Euclidean distance ~ MMD.

    With the Gaussian base kernel :math:`k(x,x') = \exp(-\|x - x'\|^2 / 2\sigma^2)`
    and ``n_frequencies`` frequencies :math:`w_l \sim \mathcal N(0, \sigma^{-2} I)`
    drawn in ``fit``,

    .. math::
        \phi(\mu) = \sum_j a_j \, D^{-1/2}\big(\cos w_l^\top x_j, \sin w_l^\top x_j\big)_{l \le D},
        \qquad \|\phi(\mu) - \phi(\nu)\|^2 \approx \mathrm{MMD}_k^2(\mu, \nu)
        = \|m_\mu - m_\nu\|^2_{\mathcal H_k}.

    The Gaussian kernel on this embedding is the MMD kernel of Bachoc et al.
    (2023) and Szabó et al. (2016).

    The features are evaluated at :math:`x - c`, with :math:`c` = ``location_``
    the mean of the training points: :math:`z(x - c)^\top z(x' - c)` is the same
    random-feature approximation of :math:`k(x, x')` (a phase shift of each
    frequency), and the arguments :math:`w_l^\top (x - c)` stay accurate in
    float32 for data far from the origin. Distances therefore do not depend on a
    global translation of the points, nor, with the median bandwidth, on their
    scale.

    Parameters
    ----------
    n_frequencies : int, default=128
        Number of random frequencies ``D``; the embedding has ``2 * D`` features.
    bandwidth : float, default=None
        Base kernel width :math:`\sigma`. None: the median distance between
        points pooled from the training bags.
    batch_size : int, default=None
        Bags embedded at once (None: about 8 million features per batch).
    device : {"auto", "cpu", "cuda"} or torch.device, default="auto"
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0

    Attributes
    ----------
    bandwidth_ : float
        In the units of the points.
    frequencies_ : ndarray of shape (d, n_frequencies)
    location_ : ndarray of shape (d,)
        Mean of the training points (bags counting equally).
    scale_ : float
        RMS spread of the training points; bags are standardised by it in
        float64 before the float32 features.
    n_features_in_ : int

    References
    ----------
    A. Rahimi, B. Recht. Random features for large-scale kernel machines. NeurIPS 2007.
    Z. Szabó, B. Sriperumbudur, B. Póczos, A. Gretton. Learning theory for
    distribution regression. JMLR 17 (2016).

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.distribution import MeanEmbedding
    >>> rng = np.random.default_rng(0)
    >>> bags = [rng.normal(m, 1.0, size=(60, 2)) for m in (0.0, 0.0, 2.0)]
    >>> E = MeanEmbedding(n_frequencies=64, random_state=0).fit_transform(bags)
    >>> E.shape
    (3, 128)
    >>> bool(np.linalg.norm(E[0] - E[1]) < np.linalg.norm(E[0] - E[2]))
    True
    """

    _parameter_constraints = {
        "n_frequencies": [Interval(Integral, 1, None, closed="left")],
        "bandwidth": [Interval(Real, 0, None, closed="neither"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        n_frequencies=128,
        bandwidth=None,
        batch_size=None,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.n_frequencies = n_frequencies
        self.bandwidth = bandwidth
        self.batch_size = batch_size
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _fit_bags(self, bags, weights, seed):
        self.bandwidth_ = (
            float(self.bandwidth)
            if self.bandwidth is not None
            else median_bandwidth(bags, seed, self.location_, self.scale_)
        )
        gen = torch_generator(seed, "cpu")
        w = torch.randn(self.n_features_in_, self.n_frequencies, generator=gen, dtype=torch.float64)
        self.frequencies_ = (w / self.bandwidth_).numpy()
        self._n_features_out = 2 * self.n_frequencies

    @property
    def _width(self):
        return self.n_frequencies

    _distance_unit = 1.0  # MMD does not depend on the units of the points

    def _to_original_units(self, E):
        return E

    def _embed(self, bags, weights, device):
        # w^T x = (s w)^T (x - c)/s + w^T c: features of the standardised points with
        # frequencies s w, the constant phase w^T c dropped (see the class docstring)
        freqs = torch.as_tensor(self.frequencies_ * self.scale_, dtype=torch.float32, device=device)
        return self._embed_in_batches(
            bags,
            weights,
            device,
            lambda points, w, n_points: random_fourier_mean_embedding(
                points, freqs, weights=w, n_points=n_points
            ),
        )
