"""LipschitzRegressor: a regression network with a user-chosen Lipschitz constant."""

import numpy as np
import torch.nn.functional as F
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._base import _LipschitzBase
from ._export import affine_output
from ._lipschitz_bound import lipschitz_bound

__all__ = ["LipschitzRegressor"]

_LOSSES = {"squared_error": F.mse_loss, "absolute_error": F.l1_loss, "huber": F.smooth_l1_loss}


def _location_scale(y):
    """Per-column mean and standard deviation of a 2-D target, computed without overflow.

    A column of zero spread gets scale 1 (as :class:`~sklearn.preprocessing.StandardScaler`).
    """
    peak = np.max(np.abs(y), axis=0)
    peak = np.where(peak > 0, peak, 1.0)
    mean = np.mean(y / peak, axis=0) * peak
    dev = y - mean
    spread = np.max(np.abs(dev), axis=0)
    spread = np.where(spread > 0, spread, 1.0)
    scale = np.std(dev / spread, axis=0) * spread
    scale = np.where(scale > 0, scale, 1.0)
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(scale))):
        raise ValueError("y is too large to standardise in float64 (its spread overflows); rescale it.")
    return mean, scale


class _RegressionLoss(nn.Module):
    def __init__(self, loss):
        super().__init__()
        self.loss = loss

    def forward(self, y_pred, y_true):
        fn = _LOSSES[self.loss] if isinstance(self.loss, str) else self.loss
        return fn(y_pred.reshape(y_true.shape), y_true)


class LipschitzRegressor(_LipschitzBase, RegressorMixin, BaseEstimator):
    r"""Regression with a network that is Lipschitz in L2 by construction.

    The target is standardised inside ``fit`` (as
    :class:`~sklearn.compose.TransformedTargetRegressor` with a
    :class:`~sklearn.preprocessing.StandardScaler` would do), and the network
    fits the standardised target:

    .. math::

        \hat y(x) = \mu_y + \sigma_y\, k\, g(x), \qquad
        g \text{ 1-Lipschitz (orthonormal layers, GroupSort)},

    with :math:`\mu_y, \sigma_y` the mean and standard deviation of each
    target column (``y_mean_``, ``y_scale_``; a constant column gets
    :math:`\sigma_y = 1`). The fit is therefore the same, up to rounding, for
    ``y``, ``y + c`` and ``c * y``: without this, a target far from 0 or of
    large spread is out of reach of a network that starts at 0 with slope at
    most :math:`k`, and the fit fails without a word.

    Lipschitz constant in the original units:
    :math:`|\hat y(x) - \hat y(x')| \le k\,\max_j \sigma_{y,j}\,\|x - x'\|_2`.
    ``lipschitz_constant`` (:math:`k`) is thus the constant relative to the
    target's spread: :math:`k = 1` allows the prediction to change by one
    target standard deviation per unit of input distance; a target that
    varies by :math:`s` standard deviations over a unit input distance needs
    :math:`k \ge s` (too small a :math:`k` makes the fit impossible however
    long it trains). ``lipschitz_bound_`` is the guaranteed bound of
    :meth:`predict` in the original units, recomputed from the fitted
    weights (at most :math:`k \max_j \sigma_{y,j}`, up to Björck's rounding):
    the certificate :math:`|\hat y(x + \delta) - \hat y(x)| \le`
    ``lipschitz_bound_`` :math:`\|\delta\|_2` holds for every input.

    Parameters
    ----------
    lipschitz_constant : float, default=1.0
        :math:`k`, the network's constant with respect to the standardised
        target (see above).
    loss : {"squared_error", "absolute_error", "huber"} or callable, default="squared_error"
        A callable is ``loss(y_pred, y_true) -> scalar tensor``.
    hidden_layer_sizes, architecture, image_shape, convolution, activation, max_epochs, batch_size, lr,
    lr_schedule, validation_fraction, early_stopping, n_iter_no_change, device, random_state, verbose
        As in :class:`~sklot.lipschitz.LipschitzClassifier`.

    Attributes
    ----------
    y_mean_, y_scale_ : ndarray of shape (n_targets,)
        Mean and standard deviation of each target column (1.0 for a
        constant column) used to standardise ``y``.
    module_ : LipschitzSequential
        The constrained network, fitted to the standardised target.
    exported_module_ : torch.nn.Sequential
        Plain torch copy used for inference, de-standardisation included:
        it computes :meth:`predict` in the original units.
    lipschitz_bound_ : float
        Guaranteed L2 Lipschitz bound of :meth:`predict` in the original
        units (the bound of ``exported_module_``).
    history_, n_features_in_, input_shape_
        As in :class:`~sklot.lipschitz.LipschitzClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.lipschitz import LipschitzRegressor
    >>> X = np.linspace(-2, 2, 200)[:, None]
    >>> y = np.abs(X[:, 0])  # slope 1, std 0.58: 1.7 standard deviations per unit of x
    >>> reg = LipschitzRegressor(hidden_layer_sizes=(32,), lipschitz_constant=2.0, max_epochs=150, lr=1e-2,
    ...                          random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.9
    True
    >>> bool(reg.lipschitz_bound_ <= 1.001 * 2.0 * reg.y_scale_[0])  # k times the target's std
    True
    """

    _parameter_constraints = {
        **_LipschitzBase._parameter_constraints,
        "loss": [StrOptions(set(_LOSSES)), callable],
    }
    _multi_output = True
    _numeric_target = True

    def __init__(
        self,
        *,
        hidden_layer_sizes=None,
        architecture="mlp",
        image_shape=None,
        convolution="orthonormal",
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
        self.convolution = convolution
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
        y = np.asarray(y, dtype=np.float64)
        self._y_ndim = y.ndim
        y2 = y if y.ndim == 2 else y[:, None]
        self.y_mean_, self.y_scale_ = _location_scale(y2)
        y_t = ((y2 - self.y_mean_) / self.y_scale_).astype(np.float32)
        self._fit_network(X, y_t, y_t.shape[1], _RegressionLoss(self.loss))
        # predict in the original units: y = mean + scale * network(x), folded into the export
        self.exported_module_ = affine_output(self.exported_module_, self.y_scale_, self.y_mean_)
        self.lipschitz_bound_ = lipschitz_bound(self.exported_module_, input_shape=self.input_shape_)
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
