"""What every bag embedding shares: validation, point weights, standardisation, batching, numpy output."""

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.utils.validation import check_is_fitted

from .._core.base import TorchEstimatorMixin
from .._core.device import to_numpy
from .._core.random import draw_seed
from .._core.validation import check_bags, check_point_weight
from ._bag_batches import iter_bag_batches, write_rows

__all__ = ["BagEmbeddingMixin", "pooled_location_scale"]

# a batch holds at most this many projected / featurised point values
DEFAULT_MAX_ELEMENTS = 2**23


def pooled_location_scale(bags, weights=None):
    r"""Location and scale of the training points, each bag counting equally (float64).

    .. math::
        c = \frac1N \sum_i \bar x_i, \qquad
        s^2 = \frac{1}{N d} \sum_i \sum_j a_{ij} \|x_{ij} - c\|^2,

    with :math:`\bar x_i = \sum_j a_{ij} x_{ij}` the (weighted) mean of bag ``i`` and
    :math:`a_{ij}` its normalised point weights (uniform when ``weights`` is None).
    Each bag counts equally, so a bag with integer weights gives the same
    :math:`(c, s)` as the bag with its points repeated. ``s`` is 1 when every
    point is the same (then any unit gives the same embedding distances).
    """
    means = np.empty((len(bags), bags[0].shape[1]))
    for i, b in enumerate(bags):
        means[i] = b.mean(0) if weights is None else weights[i] @ b
    c = means.mean(0)
    sq = 0.0
    for i, b in enumerate(bags):
        dev = ((b - c) ** 2).sum(1)
        sq += dev.mean() if weights is None else float(weights[i] @ dev)
    s = float(np.sqrt(sq / (len(bags) * bags[0].shape[1])))
    return c, (s if s > 0 and np.isfinite(s) else 1.0)


class BagEmbeddingMixin(
    TorchEstimatorMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    r"""Turn bags (finite samples of distributions) into fixed-size vectors.

    Subclasses implement ``_fit_bags(bags, weights, seed)`` (draw directions /
    frequencies / references; the raw bags are passed: standardise what is used),
    ``_embed(bags, weights, device)`` (standardise the raw bags with
    :meth:`_standardised`, embed them and return a tensor of shape (n_bags,
    n_features_out) on ``device``, in *standardised units*),
    ``_to_original_units(E)`` (float64 ndarray in, same shape out) and
    ``_distance_unit`` (embedding distances in original units are this factor
    times distances in standardised units).

    Why standardise: ``fit`` records the location ``location_`` and scale
    ``scale_`` of the pooled training points (:func:`pooled_location_scale`),
    and every bag is mapped to :math:`(x - c)/s` in float64 before the float32
    embedding. The float32 computations then see values of order one whatever
    the units of the data: without it, points scaled by :math:`10^{\pm 20}` overflow
    or underflow float32 squared distances, and an offset of :math:`10^8` leaves no
    significant digit of the spread. ``transform`` maps the result back to the
    original units in float64, so the embedding's geometry (e.g.
    :math:`\|\phi(\mu) - \phi(\nu)\| \approx SW_2(\mu, \nu)`) is unchanged.
    """

    _input_kind = "bags"

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, point_weight=None):
        """Draw the embedding's random elements from ``random_state``.

        Parameters
        ----------
        X : list of array-like of shape (n_i, d), or array-like of shape (n_bags, n, d)
            Training bags.
        y : ignored
        point_weight : list of array-like of shape (n_i,), optional
            Non-negative per-point weights, one array per bag (normalised to sum
            to one within each bag). None means uniform weights.

        Returns
        -------
        self
        """
        bags = check_bags(X)
        weights = check_point_weight(point_weight, bags)
        self.n_features_in_ = bags[0].shape[1]
        self.location_, self.scale_ = pooled_location_scale(bags, weights)
        self._fit_bags(bags, weights, draw_seed(self.random_state))
        return self

    def transform(self, X, point_weight=None):
        """Embed bags.

        Parameters
        ----------
        X : list of array-like of shape (n_i, d), or array-like of shape (n_bags, n, d)
        point_weight : list of array-like of shape (n_i,), optional

        Returns
        -------
        ndarray of shape (n_bags, n_features_out)
        """
        check_is_fitted(self)
        bags = check_bags(X, n_features=self.n_features_in_)
        weights = check_point_weight(point_weight, bags)
        return self._to_original_units(to_numpy(self._embed(bags, weights, self._device()), np.float64))

    def fit_transform(self, X, y=None, point_weight=None):
        """Fit, then embed the same bags (with the same ``point_weight``)."""
        return self.fit(X, y, point_weight=point_weight).transform(X, point_weight=point_weight)

    def _standardised(self, bag):
        """``(bag - location_) / scale_`` in float64 (a new array)."""
        return (bag - self.location_) / self.scale_

    def _max_elements(self, bags):
        if self.batch_size is None:
            return DEFAULT_MAX_ELEMENTS
        return self.batch_size * max(b.shape[0] for b in bags) * self._width

    def _embed_in_batches(self, bags, weights, device, embed_batch):
        """Rows ``embed_batch(points, weights, n_points)`` of every bag, standardised, in batches.

        The one batching loop of the sliced and mean embeddings: bags are padded into
        device batches of standardised points (:func:`iter_bag_batches`) and each
        batch's rows are written in place; progress is printed when ``verbose``.
        """
        import torch

        out = torch.empty((len(bags), self._n_features_out), dtype=torch.float32, device=device)
        done = 0
        for idx, points, w, n_points in iter_bag_batches(
            bags,
            weights,
            width=self._width,
            max_elements=self._max_elements(bags),
            device=device,
            location=self.location_,
            scale=self.scale_,
        ):
            write_rows(out, idx, embed_batch(points, w, n_points))
            done += len(idx)
            self._log(done, len(bags))
        return out

    def _log(self, done, total):
        if self.verbose:
            print(f"[{type(self).__name__}] embedded {done}/{total} bags", flush=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.requires_fit = True
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags
