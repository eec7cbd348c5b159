r"""SPELL: sparse repellency of the denoised estimate from a shield of balls (Kirchhof et al. 2025)."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._core.base import TorchEstimatorMixin
from ._shield_index import ShieldIndex, brute_pairs, resolve_algorithm

__all__ = ["SparseRepellency", "repellency", "repellency_from_pairs"]


def repellency(x, references, radius):
    r"""The SPELL repellency of points ``x`` from balls of radius ``radius`` around ``references``.

    .. math::

        \Delta(x) = \sum_k \operatorname{relu}\Big(\frac{r}{\lVert x - z_k \rVert} - 1\Big)(x - z_k),

    zero unless :math:`x` lies strictly inside a ball; for one active ball, :math:`x + \Delta` lies
    exactly on that ball's sphere (Kirchhof et al. 2025, eq. 3). A point exactly at a centre
    (direction undefined) is pushed by :math:`r` along the first coordinate axis, the limit of the
    formula's magnitude :math:`r - \lVert x - z_k\rVert`.

    Parameters
    ----------
    x : torch.Tensor of shape (n, d)
    references : torch.Tensor of shape (m, d)
    radius : float

    Returns
    -------
    delta : torch.Tensor of shape (n, d)
    active : torch.Tensor of bool, shape (n,)
        Rows inside at least one ball.

    Examples
    --------
    >>> import torch
    >>> from sklot.diffusion import repellency
    >>> delta, active = repellency(torch.tensor([[0.5, 0.0], [3.0, 0.0]]), torch.zeros(1, 2), 1.0)
    >>> delta.tolist(), active.tolist()
    ([[0.5, 0.0], [0.0, 0.0]], [True, False])
    """
    rows, cols = brute_pairs(x, references.to(x), radius)
    return repellency_from_pairs(x, references.to(x), rows, cols, radius)


def repellency_from_pairs(x, references, rows, cols, radius, signs=None):
    r""":func:`repellency` restricted to the pairs ``(rows, cols)`` (the active balls of each row).

    ``signs`` (one per pair, :math:`\pm 1`) orients the push of a point exactly at a centre
    (dynamic mode: two identical batch members are pushed apart, not together).
    """
    delta = torch.zeros_like(x)
    active = torch.zeros(len(x), dtype=torch.bool, device=x.device)
    if len(rows) == 0:
        return delta, active
    diff = x[rows] - references[cols]
    dist = torch.linalg.vector_norm(diff, dim=1)
    coef = torch.clamp(radius / dist - 1, min=0)
    contrib = coef[:, None] * diff
    at_centre = dist == 0
    if bool(at_centre.any()):
        push = torch.zeros_like(diff[at_centre])
        push[:, 0] = radius if signs is None else radius * signs[at_centre].to(x.dtype)
        contrib[at_centre] = push
    inside = at_centre | (coef > 0)
    delta.index_add_(0, rows[inside], contrib[inside])
    active[rows[inside]] = True
    return delta, active


class SparseRepellency(TorchEstimatorMixin, TransformerMixin, BaseEstimator):
    r"""SPELL: keep the denoised estimates of a diffusion sampler out of a shield of L2 balls.

    At every reverse step the sampler's denoised estimate :math:`\hat x_0 = D(x_t, t)` is replaced by
    :math:`\hat x_0 + \lambda \Delta(\hat x_0)`, with :math:`\Delta` the sparse repellency of
    :func:`repellency` (zero unless :math:`\hat x_0` lies inside a ball :math:`B(z_k, r)`; for one
    active ball, :math:`\lambda = 1` puts it exactly on the sphere) and :math:`\lambda` the
    overcompensation (Kirchhof, Thornton, Béthune, Ablin, Ndiaye & Cuturi 2025). The corrected
    estimate enters the sampler's update (DDPM posterior mean, DDIM step): see
    :meth:`DiffusionGenerator.sample <sklot.diffusion.DiffusionGenerator.sample>` and
    :class:`~sklot.diffusion.SpellScheduler` for diffusers.

    The references :math:`z_k` are

    * ``mode="static"``: the protected set given to :meth:`fit` (e.g. the training set: no
      near-copies), searched through an index (:mod:`sklot.diffusion._shield_index`);
    * ``mode="dynamic"``: the other members of the batch being sampled (their current
      :math:`\hat x_0`) and, with ``memory``, the final samples of earlier batches (diversity);
      :meth:`fit` takes no data;
    * ``mode="both"``: the union.

    Not a hard guarantee: the correction acts on :math:`E[x_0 \mid x_t]`, not on the final sample,
    and overlapping balls can cancel (``sklot.diffusion.metrics.in_shield_rate`` measures what is
    left).

    :meth:`transform` applies one correction to a batch of points (the batch being the dynamic
    references), in the units of the references.

    Parameters
    ----------
    radius : float, default=1.0
        :math:`r`, in the units of the data (the generator's output space).
    overcompensation : float, default=1.6
        :math:`\lambda \ge 1` (the paper's value 1.6: a single step lands beyond the sphere, which
        leaves a margin for the next denoising steps).
    mode : {"static", "dynamic", "both"}, default="static"
    memory : bool, default=True
        In dynamic modes, the outputs passed to :meth:`remember` (a generator passes every batch
        it returns) join the references of later batches; :meth:`fit` clears them.
    n_neighbors : int, default=10
        Candidates per query of the approximate index (``algorithm="faiss"``): balls beyond the
        ``n_neighbors`` nearest candidates are missed.
    algorithm : {"auto", "brute", "kd_tree", "ball_tree", "faiss"}, default="auto"
        ``"brute"`` computes every distance on the sampler's device (exact); the trees are
        scikit-learn's (exact); ``"faiss"`` an inverted-file index (approximate, faiss-cpu).
        ``"auto"``: brute force up to 20,000 references, a k-d tree in at most 15 dimensions,
        faiss from 100,000 references when installed, a ball tree otherwise.

    Attributes
    ----------
    shield_ : ndarray of shape (n_references, n_features)
        The protected set (empty in ``mode="dynamic"``).
    memory_ : ndarray of shape (n_remembered, n_features) or None
    algorithm_ : str
        The backend used.
    n_features_in_ : int
        Only in static modes (the dynamic mode learns the dimension from its first batch).

    References
    ----------
    M. Kirchhof, J. Thornton, L. Béthune, P. Ablin, E. Ndiaye, M. Cuturi. "Sparse Repellency for
    Shielded Generation in Text-to-image Diffusion Models", ICML 2025 (arXiv:2410.06025).

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.diffusion import SparseRepellency
    >>> spell = SparseRepellency(radius=1.0, overcompensation=1.0).fit(np.zeros((1, 2)))
    >>> spell.transform(np.array([[0.5, 0.0], [0.0, 3.0]]))
    array([[1., 0.],
           [0., 3.]])
    """

    _parameter_constraints = {
        "radius": [Interval(Real, 0, None, closed="neither")],
        "overcompensation": [Interval(Real, 0, None, closed="neither")],
        "mode": [StrOptions({"static", "dynamic", "both"})],
        "memory": ["boolean"],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "algorithm": [StrOptions({"auto", "brute", "kd_tree", "ball_tree", "faiss"})],
    }
    _thread_policy_methods = ("fit", "transform", "fit_transform")

    def __init__(
        self,
        *,
        radius=1.0,
        overcompensation=1.6,
        mode="static",
        memory=True,
        n_neighbors=10,
        algorithm="auto",
    ):
        self.radius = radius
        self.overcompensation = overcompensation
        self.mode = mode
        self.memory = memory
        self.n_neighbors = n_neighbors
        self.algorithm = algorithm

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X=None, y=None):
        """Index the protected set.

        Parameters
        ----------
        X : array-like of shape (n_references, n_features), or None in ``mode="dynamic"``
        y : None
            Ignored.

        Returns
        -------
        self
        """
        if self.mode == "dynamic":
            if X is not None:
                raise ValueError(
                    "mode='dynamic' repels the batch from itself and takes no protected set: "
                    "call fit() without X, or use mode='both' to shield X as well."
                )
            Z = None
            self.algorithm_ = "brute"
        else:
            if X is None:
                raise ValueError(f"mode={self.mode!r} needs the protected points: fit(X_protected).")
            Z = validate_data(self, X, dtype=np.float64)  # float64 throughout: no float32 range limit
            self.algorithm_ = resolve_algorithm(self.algorithm, *Z.shape)
        self.shield_ = Z if Z is not None else np.zeros((0, 0))
        self.index_ = ShieldIndex(self.shield_, self.algorithm_, self.n_neighbors) if Z is not None else None
        self.memory_ = None
        return self

    def remember(self, X):
        """Add final samples to the dynamic references of later batches (``memory=True`` only).

        Parameters
        ----------
        X : array-like of shape (n, n_features)

        Returns
        -------
        self
        """
        check_is_fitted(self)
        if self.mode == "static" or not self.memory:
            return self
        X = self._check_points(np.asarray(X, dtype=np.float64))
        self.memory_ = X.copy() if self.memory_ is None else np.concatenate([self.memory_, X])
        return self

    def _check_points(self, X):
        d = self._dimension()
        if X.ndim != 2 or (d is not None and X.shape[1] != d):
            raise ValueError(
                f"the points have shape {X.shape}, but the shield's references have {d} features."
            )
        return X

    def _dimension(self):
        if self.index_ is not None:
            return self.shield_.shape[1]
        if self.memory_ is not None:
            return self.memory_.shape[1]
        return None

    def shift(self, x):
        r"""The correction :math:`\lambda \Delta(x)` of a batch of denoised estimates, and its support.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_features)
            Denoised estimates in the units of the references; in dynamic modes the batch's rows
            are each other's references.

        Returns
        -------
        shift : torch.Tensor of shape (n, n_features)
        active : torch.Tensor of bool, shape (n,)
        """
        check_is_fitted(self)
        d = self._dimension()
        if x.ndim != 2 or (d is not None and x.shape[1] != d):
            raise ValueError(
                f"the denoised estimates have shape {tuple(x.shape)}, but the shield's references have "
                f"{d} features."
            )
        r = float(self.radius)
        delta = torch.zeros_like(x)
        active = torch.zeros(len(x), dtype=torch.bool, device=x.device)
        if self.mode in ("static", "both"):
            rows, cols = self.index_.pairs(x, r)
            dl, ac = repellency_from_pairs(x, self.index_.references(x), rows, cols, r)
            delta, active = delta + dl, active | ac
        if self.mode in ("dynamic", "both"):
            rows, cols = brute_pairs(x, x, r, exclude_diagonal=True)
            dl, ac = repellency_from_pairs(x, x, rows, cols, r, signs=torch.sign(rows - cols))
            delta, active = delta + dl, active | ac
            if self.memory and self.memory_ is not None:
                M = torch.as_tensor(self.memory_, dtype=x.dtype, device=x.device)
                rows, cols = brute_pairs(x, M, r)
                dl, ac = repellency_from_pairs(x, M, rows, cols, r)
                delta, active = delta + dl, active | ac
        return float(self.overcompensation) * delta, active

    def transform(self, X):
        r"""One SPELL correction :math:`x + \lambda\Delta(x)` of each row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n, n_features)

        Returns
        -------
        ndarray of shape (n, n_features)
        """
        check_is_fitted(self)
        if self.index_ is not None:
            X = validate_data(self, X, dtype=np.float64, reset=False)
        else:  # dynamic mode: no fitted dimension, the batch (and the memory) set it
            X = self._check_points(check_array(X, dtype=np.float64))
        x = torch.as_tensor(X, dtype=torch.float64)
        s, _ = self.shift(x)
        return (x + s).numpy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        tags.input_tags.allow_nan = False
        return tags
