"""LipschitzRegressor: a regression network with a user-chosen Lipschitz constant."""

import numpy as np
import torch.nn.functional as F
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._base import _LipschitzBase

__all__ = ["LipschitzRegressor"]

_LOSSES = {"squared_error": F.mse_loss, "absolute_error": F.l1_loss, "huber": F.smooth_l1_loss}


class _RegressionLoss(nn.Module):
    def __init__(self, loss):
        super().__init__()
        self.loss = loss

    def forward(self, y_pred, y_true):
        fn = _LOSSES[self.loss] if isinstance(self.loss, str) else self.loss
        return fn(y_pred.reshape(y_true.shape), y_true)


class LipschitzRegressor(_LipschitzBase, RegressorMixin, BaseEstimator):
    r"""Regression with a network that is :math:`k`-Lipschitz in L2 by construction.

    .. math::

        f = k\, g, \qquad g \text{ 1-Lipschitz (orthonormal layers, GroupSort)},

    so :math:`|f(x) - f(x')| \le k \|x - x'\|_2` for all inputs. Choose
    :math:`k` to match the target's scale (a target that varies by 10 units
    over a unit input distance needs :math:`k \ge 10`); too small a :math:`k`
    makes the fit impossible however long it trains.

    Parameters
    ----------
    lipschitz_constant : float, default=1.0
        :math:`k`.
    loss : {"squared_error", "absolute_error", "huber"} or callable, default="squared_error"
        A callable is ``loss(y_pred, y_true) -> scalar tensor``.
    hidden_layer_sizes, architecture, image_shape, activation, max_epochs, batch_size, lr,
    lr_schedule, validation_fraction, early_stopping, n_iter_no_change, device, random_state, verbose
        As in :class:`~sklot.lipschitz.LipschitzClassifier`.

    Attributes
    ----------
    module_, exported_module_, lipschitz_bound_, history_, n_features_in_, input_shape_

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.lipschitz import LipschitzRegressor
    >>> X = np.linspace(-2, 2, 200)[:, None]
    >>> y = np.abs(X[:, 0])
    >>> reg = LipschitzRegressor(hidden_layer_sizes=(32,), max_epochs=150, lr=1e-2, random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.9
    True
    >>> reg.lipschitz_bound_ < 1.01
    True
    """

    _parameter_constraints = {
        **_LipschitzBase._parameter_constraints,
        "loss": [StrOptions(set(_LOSSES)), callable],
    }
    _multi_output = True

    def __init__(
        self,
        *,
        hidden_layer_sizes=None,
        architecture="mlp",
        image_shape=None,
        activation="maxmin",
        lipschitz_constant=1.0,
        loss="squared_error",
        max_epochs=100,
        batch_size=128,
        lr=3e-3,
        lr_schedule="cosine",
        validation_fraction=None,
        early_stopping=False,
        n_iter_no_change=5,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.architecture = architecture
        self.image_shape = image_shape
        self.activation = activation
        self.lipschitz_constant = lipschitz_constant
        self.loss = loss
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit on ``X`` and targets ``y`` of shape (n,) or (n, n_targets)."""
        X, y = self._validate_X(X, y, reset=True)
        y = np.asarray(y, dtype=np.float32)
        self._y_ndim = y.ndim
        y_t = y if y.ndim == 2 else y[:, None]
        self._fit_network(X, y_t, y_t.shape[1], _RegressionLoss(self.loss))
        return self

    def predict(self, X):
        """Predicted targets, shape (n,) or (n, n_targets) as in ``fit``."""
        check_is_fitted(self)
        X, _ = self._validate_X(X, reset=False)
        out = self._forward(X)
        return out[:, 0] if self._y_ndim == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
