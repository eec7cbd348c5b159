"""LipschitzClassifier: certified-robust, explainable 1-Lipschitz classifier."""

import warnings
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from . import certificates, explain as _explain
from ._base import _LipschitzBase
from ._export import split_last_linear
from ._lipschitz_bound import lipschitz_bound
from .losses import HKRLoss, HingeMarginLoss, KRLoss, MulticlassHingeLoss, TauCrossEntropyLoss

__all__ = ["LipschitzClassifier"]


class LipschitzClassifier(_LipschitzBase, ClassifierMixin, BaseEstimator):
    r"""Classifier whose network is :math:`L`-Lipschitz by construction, with certificates.

    The network is built from orthonormal dense (or convolutional) layers and
    GroupSort activations (Anil et al. 2019), trained by default with the
    hinge-Kantorovich-Rubinstein loss (Serrurier et al. 2021)

    .. math::

        \mathcal{L}_{hKR}(f) = \alpha\,\mathbb{E}\big[(m/2 - y f(x))_+\big]
            - (1-\alpha)\big(\mathbb{E}_{y=+1}[f] - \mathbb{E}_{y=-1}[f]\big),

    (multiclass: one-vs-all columns). Because :math:`f` is :math:`L`-Lipschitz,
    every prediction comes with an L2 radius within which it cannot change
    (:meth:`certified_radius`), and the input gradient of the margin is an
    optimal-transport saliency map (Serrurier et al. 2023, :meth:`explain`,
    :meth:`counterfactual`).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int or None, default=None
        Widths of the dense hidden layers (``"mlp"``, default (256, 128)) or
        channels of the conv blocks (``"cnn"``, default (16, 32): each block is
        a 3x3 orthonormal convolution, the activation and 2x2 L2-norm pooling).
    architecture : {"mlp", "cnn"} or callable, default="mlp"
        A callable ``architecture(input_shape, n_outputs)`` must return a
        module built from :mod:`sklot.lipschitz.layers` (its Lipschitz bound
        is checked after fitting): layers, possibly nested in
        ``nn.Sequential`` / :class:`~sklot.lipschitz.layers.LipschitzSequential`
        containers. A container that overrides ``forward`` is refused with a
        ValueError (its export and its bound would describe another network).
    image_shape : tuple or None, default=None
        (C, H, W) or (H, W) of flat image rows, for ``"cnn"``.
    convolution : {"orthonormal", "aol"}, default="orthonormal"
        Convolution of the ``"cnn"`` blocks. ``"orthonormal"``:
        :class:`~sklot.lipschitz.layers.OrthoConv2d` (orthonormal reshaped kernel divided by 3,
        whose true operator norm is often well below its certified bound of 1);
        ``"aol"``: :class:`~sklot.lipschitz.layers.AOLConv2d` (AOL rescaling, Prach and Lampert
        2022), certified at most 1 by :func:`~sklot.lipschitz.layers.conv_gram_bound` and
        tighter. Unused by ``"mlp"``.
    activation : {"maxmin", "groupsort4", "fullsort"}, default="maxmin"
    output_layer : {"orthonormal", "per_class"}, default="orthonormal"
        Orthonormal last layer (the network is :math:`L`-Lipschitz as a map
        into :math:`\mathbb{R}^K`, radius margin / (sqrt(2) L)) or
        per-class Frobenius-normalised rows (each logit :math:`L`-Lipschitz,
        radius margin / (2L)). With a callable ``architecture`` the callable
        builds the last layer: ``"per_class"`` then certifies each logit with
        :math:`L` = (bound of the layers before the last) x (largest row norm
        of the last, which must be a dense layer; else a ValueError). With two
        classes the network has one output, for which both certificates are
        :math:`|f(x)|/L`: ``"per_class"`` then warns and builds the
        orthonormal output layer.
    loss : {"hkr", "hinge", "categorical_hinge", "tau_cross_entropy"}, default="hkr"
    alpha : float in [0, 1], default=0.98
        Hinge weight in HKR (the rest weights -KR).
    margin : float, default=0.5
        Hinge margin :math:`m` ("hkr", "hinge", "categorical_hinge").
    tau : float, default=10.0
        Temperature of "tau_cross_entropy", also used by :meth:`predict_proba`.
    lipschitz_constant : float, default=1.0
        :math:`L`, the network's nominal Lipschitz constant.
    max_epochs : int, default=20
    batch_size : int or None, default=128
        None: full batch.
    lr : float, default=3e-3
        Adam learning rate.
    lr_schedule : {"cosine", "constant"}, default="cosine"
        "cosine" anneals the rate before every training step,
        :math:`\eta_s = \eta_0 (1 + \cos(\pi s / S)) / 2` for step
        :math:`s = 0, \dots, S - 1`, :math:`S` = ``max_epochs`` times the
        number of batches per epoch (``history_[t]["event_lr"]`` and
        ``["event_lr_last"]`` hold the rates of the first and last steps of
        epoch :math:`t`). The weights are reprojected onto the orthonormal
        manifold after every step, so the step size never shrinks by itself.
        On a validation split of Fashion-MNIST (50,000 / 10,000 training
        images; dense 784-256-128-10, HKR, batch 256, 3 epochs, seeds 0-2)
        per-step annealing from 3e-3 gave 86.16% accuracy / 81.21% VRA at
        36/255, against 85.59% / 80.77% when annealed once per epoch and
        84.02% / 78.82% at a constant 1e-3
        (``benchmarks/lipschitz/validate_defaults.py``; figures and the
        commands that reproduce them in ``docs/benchmarks/lipschitz.md``).
    validation_fraction : float or None, default=None
    early_stopping : bool, default=False
    n_iter_no_change : int, default=5
    device : {"auto", "cpu", "cuda"}, default="auto"
    random_state : int, RandomState or None, default=None
    verbose : int, default=0

    Attributes
    ----------
    classes_ : ndarray
    module_ : LipschitzSequential
        The constrained network.
    exported_module_ : torch.nn.Sequential
        Plain torch copy used for inference.
    lipschitz_bound_ : float
        Guaranteed L2 Lipschitz bound of the fitted network (from its weights), for inputs of
        the fitted shape (convolutions are bounded on their input grid, see
        :func:`~sklot.lipschitz.lipschitz_bound`).
    history_ : list of dict
    n_features_in_ : int
    input_shape_ : tuple

    References
    ----------
    Serrurier, Mamalet, González-Sanz, Boissin, Loubes, del Barrio (2021),
    "Achieving robustness in classification using optimal transport with
    hinge regularization", CVPR. Béthune, Boissin, Serrurier, Mamalet,
    Friedrich, González-Sanz (2022), "Pay attention to your loss:
    understanding misconceptions about 1-Lipschitz neural networks",
    NeurIPS. Serrurier, Mamalet, Fel, Béthune, Boissin (2023), "On the
    explainable properties of 1-Lipschitz neural networks: an optimal
    transport perspective", NeurIPS.

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> from sklot.lipschitz import LipschitzClassifier
    >>> X, y = make_moons(200, noise=0.1, random_state=0)
    >>> clf = LipschitzClassifier(hidden_layer_sizes=(32, 32), max_epochs=20, batch_size=None, lr=2e-2,
    ...                           random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.85
    True
    >>> bool((clf.certified_radius(X) >= 0).all())
    True
    """

    _parameter_constraints = {
        **_LipschitzBase._parameter_constraints,
        "output_layer": [StrOptions({"orthonormal", "per_class"})],
        "loss": [StrOptions({"hkr", "hinge", "categorical_hinge", "tau_cross_entropy"})],
        "alpha": [Interval(Real, 0, 1, closed="both")],
        "margin": [Interval(Real, 0, None, closed="neither")],
        "tau": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        *,
        hidden_layer_sizes=None,
        architecture="mlp",
        image_shape=None,
        convolution="orthonormal",
        activation="maxmin",
        output_layer="orthonormal",
        loss="hkr",
        alpha=0.98,
        margin=0.5,
        tau=10.0,
        lipschitz_constant=1.0,
        max_epochs=20,
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
        self.output_layer = output_layer
        self.loss = loss
        self.alpha = alpha
        self.margin = margin
        self.tau = tau
        self.lipschitz_constant = lipschitz_constant
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

    def _criterion(self, n_classes):
        if self.loss == "hkr":
            return HKRLoss(alpha=self.alpha, margin=self.margin)
        if self.loss == "hinge":
            return HingeMarginLoss(margin=self.margin)
        if self.loss == "categorical_hinge":
            if n_classes == 2:
                return HingeMarginLoss(margin=2 * self.margin)  # relu(m - y f) for one output
            return MulticlassHingeLoss(margin=self.margin)
        if self.loss == "tau_cross_entropy":
            return TauCrossEntropyLoss(tau=self.tau)
        return KRLoss()

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the network on ``X`` (n, n_features) or images (n, C, H, W) and labels ``y``."""
        X, y = self._validate_X(X, y, reset=True)
        check_classification_targets(y)
        self._label_encoder = LabelEncoder().fit(y)
        self.classes_ = self._label_encoder.classes_
        y_idx = self._label_encoder.transform(y)
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError(
                f"LipschitzClassifier needs samples of at least 2 classes; got {n_classes} class."
            )
        if n_classes == 2:
            y_t, n_out = (2.0 * y_idx - 1.0).astype(np.float32), 1
        else:
            y_t, n_out = y_idx.astype(np.int64), n_classes
        head = self.output_layer
        if head == "per_class" and n_classes == 2:
            warnings.warn(
                "output_layer='per_class' has no effect with two classes: the network has one output, "
                "whose certified radius is |f(x)| / L either way; the orthonormal output layer is used.",
                UserWarning,
                stacklevel=2,
            )
            head = "orthonormal"
        self._fit_network(X, y_t, n_out, self._criterion(n_classes), head=head)
        self._per_class_ = head == "per_class"
        self.certificate_constant_ = self._certificate_constant()
        return self

    def _certificate_constant(self):
        if not self._per_class_:
            return self.lipschitz_bound_
        body, last = split_last_linear(self.exported_module_)
        row = float(last.weight.detach().double().norm(dim=1).max())
        return lipschitz_bound(body, input_shape=self.input_shape_) * row

    # -- predictions -------------------------------------------------------------
    def decision_function(self, X):
        """Network output: shape (n,) for two classes (positive -> ``classes_[1]``), else (n, K)."""
        check_is_fitted(self)
        X, _ = self._validate_X(X, reset=False)
        f = self._forward(X)
        return f[:, 0] if f.shape[1] == 1 else f

    def predict(self, X):
        f = self.decision_function(X)
        idx = (f > 0).astype(int) if f.ndim == 1 else f.argmax(1)
        return self.classes_[idx]

    def predict_proba(self, X):
        r"""Softmax of :math:`\tau f` (sigmoid for two classes).

        A monotone map of the margins, consistent with :meth:`predict`; it is
        not a calibrated probability (tune ``tau`` or calibrate for that).
        """
        f = self.decision_function(X)
        if f.ndim == 1:
            p = 1.0 / (1.0 + np.exp(-np.clip(self.tau * f, -500, 500)))
            return np.column_stack([1.0 - p, p])
        z = self.tau * f
        z = z - z.max(1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(1, keepdims=True)

    # -- certificates ------------------------------------------------------------
    def certified_radius(self, X):
        r"""L2 radius around each input within which the prediction provably cannot change.

        Binary: :math:`|f(x)|/L`; multiclass: margin :math:`/(\sqrt{2}L)`
        (``output_layer="orthonormal"``) or margin :math:`/(2L)`
        (``"per_class"``), with :math:`L` = ``certificate_constant_``, a bound
        recomputed from the fitted weights.
        """
        f = self.decision_function(X)
        return certificates.certified_radius(
            f, lipschitz_constant=self.certificate_constant_, per_class=self._per_class_
        )

    def score_certified(self, X, y, eps):
        """Verified robust accuracy: fraction of samples correct with certified radius > ``eps``."""
        f = self.decision_function(X)
        y_idx = self._label_encoder.transform(np.asarray(y).ravel())
        if f.ndim == 1:
            return certificates.verified_robust_accuracy(
                f, 2 * y_idx - 1, eps, lipschitz_constant=self.certificate_constant_
            )
        return certificates.verified_robust_accuracy(
            f, y_idx, eps, lipschitz_constant=self.certificate_constant_, per_class=self._per_class_
        )

    # -- explanations ------------------------------------------------------------
    def explain(self, X):
        r"""Saliency map: :math:`\nabla_x` of the predicted class's margin, shaped like ``X``."""
        check_is_fitted(self)
        X, _ = self._validate_X(X, reset=False)
        mod, _ = self._exported()
        return _explain.saliency_map(mod, self._to_tensor(X)).cpu().numpy()

    def counterfactual(self, X, target=None, *, max_iter=50, clip=None):
        """Move each input along the margin gradient until it is classified as ``target``.

        Parameters
        ----------
        X : array-like
        target : label, array-like of labels or None
            None: the other class (binary) or the runner-up class.
        max_iter : int, default=50
        clip : (low, high) or None
            Keep the counterfactual inside this box (e.g. pixel range).

        Returns
        -------
        X_cf : ndarray shaped like ``X``
        distance : ndarray of shape (n,)
            L2 distance between ``X`` and ``X_cf``; never below the certified radius where
            ``reached``.
        reached : ndarray of bool, shape (n,)
            Whether ``X_cf`` is classified as the target after at most ``max_iter`` steps
            (points already of the target class count as reached, at distance 0).
        """
        check_is_fitted(self)
        X, _ = self._validate_X(X, reset=False)
        mod, torch = self._exported()
        t = None
        if target is not None:
            t = np.broadcast_to(np.asarray(target), (len(X),))
            t = torch.as_tensor(self._label_encoder.transform(t), device=self._device())
        x_cf, dist, reached = _explain.counterfactual(
            mod, self._to_tensor(X), t, max_iter=max_iter, clip=clip
        )
        return x_cf.cpu().numpy(), dist.cpu().numpy().astype(np.float64), reached.cpu().numpy()
