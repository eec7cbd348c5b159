"""What every bag embedding shares: validation, point weights, batching, numpy output."""

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.utils.validation import check_is_fitted

from .._core.base import TorchEstimatorMixin
from .._core.device import to_numpy
from .._core.random import draw_seed
from .._core.validation import check_bags, check_point_weight

__all__ = ["BagEmbeddingMixin"]

# a batch holds at most this many projected / featurised point values
DEFAULT_MAX_ELEMENTS = 2**23


class BagEmbeddingMixin(
    TorchEstimatorMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Turn bags (finite samples of distributions) into fixed-size vectors.

    Subclasses implement ``_fit_bags(bags, weights, seed)`` (draw directions /
    frequencies / references) and ``_embed(bags, weights, device)`` (return a
    tensor of shape (n_bags, n_features_out) on ``device``).
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
        return to_numpy(self._embed(bags, weights, self._device()), np.float64)

    def fit_transform(self, X, y=None, point_weight=None):
        """Fit, then embed the same bags (with the same ``point_weight``)."""
        return self.fit(X, y, point_weight=point_weight).transform(X, point_weight=point_weight)

    def _max_elements(self, bags):
        if self.batch_size is None:
            return DEFAULT_MAX_ELEMENTS
        return self.batch_size * max(b.shape[0] for b in bags) * self._width

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
