"""KernelDistributionRegressor / KernelDistributionClassifier: kernel ridge on bag embeddings."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context, clone
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted

from .._core.base import TorchEstimatorMixin
from .._core.device import to_numpy
from .._core.random import draw_seed, numpy_generator
from .._core.validation import N_JOBS_CONSTRAINT, check_bags, check_point_weight
from ._kernel_ridge import (
    NystroemRidgeAccumulator,
    gaussian_kernel,
    median_heuristic_gamma,
    ridge_loo_residuals,
    solve_exact_ridge,
)
from ._mean_embedding import MeanEmbedding
from ._sinkhorn_potential_embedding import SinkhornPotentialEmbedding, warn_not_converged
from ._sliced_wasserstein_embedding import SlicedWassersteinEmbedding

__all__ = ["KernelDistributionRegressor", "KernelDistributionClassifier"]

_EMBEDDINGS = ("sliced_wasserstein", "mean", "sinkhorn")
# solver="auto" uses the exact solver up to this many bags
_EXACT_MAX_BAGS = 2000
# bags embedded and pushed through the kernel at once (bounds memory)
_STREAM_BAGS = 4096
# bags used for the median heuristic with the exact solver
_MEDIAN_BAGS = 1000
# Nystroem features kept in memory for the leave-one-out pass up to this many values (else re-embedded)
_KEEP_FEATURES = 2**24
#: alphas searched by ``alpha="auto"``: 37 values, 10^-10 to 10^2, three per decade
ALPHA_GRID = np.logspace(-10, 2, 37)
_DEFAULT_ALPHA = "auto"  # chosen on validation data: docs/benchmarks/distribution.md (d)


class _KernelDistributionBase(TorchEstimatorMixin, BaseEstimator):
    _input_kind = "bags"

    _parameter_constraints = {
        "embedding": [StrOptions(set(_EMBEDDINGS)), HasMethods(["fit", "transform"])],
        "alpha": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "gamma": [Interval(Real, 0, None, closed="neither"), None],
        "solver": [StrOptions({"auto", "exact", "nystroem"})],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "n_jobs": N_JOBS_CONSTRAINT,
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        embedding="sliced_wasserstein",
        alpha=_DEFAULT_ALPHA,
        gamma=None,
        solver="auto",
        n_components=500,
        device="auto",
        random_state=None,
        n_jobs=None,
        verbose=0,
    ):
        self.embedding = embedding
        self.alpha = alpha
        self.gamma = gamma
        self.solver = solver
        self.n_components = n_components
        self.device = device
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    # --- embedding -----------------------------------------------------------------------
    def _make_embedding(self, seed):
        if isinstance(self.embedding, str):
            if self.embedding == "sliced_wasserstein":
                return SlicedWassersteinEmbedding(device=self.device, random_state=seed)
            if self.embedding == "mean":
                return MeanEmbedding(device=self.device, random_state=seed)
            return SinkhornPotentialEmbedding(n_jobs=self.n_jobs, random_state=seed)
        emb = clone(self.embedding)
        params = emb.get_params(deep=False)
        if "random_state" in params and params["random_state"] is None:
            emb.set_params(random_state=seed)
        return emb

    def _raw_embed(self, bags, weights, device, report=None):
        """Float64 embeddings in the embedding's standardised units (sklot embeddings) or as given."""
        emb = self.embedding_
        if hasattr(emb, "_embed"):
            if isinstance(emb, SinkhornPotentialEmbedding):
                E = emb._embed(bags, weights, device, report=report)
            else:
                E = emb._embed(bags, weights, device)
        else:
            kwargs = {} if weights is None else {"point_weight": weights}
            E = torch.as_tensor(np.asarray(emb.transform(bags, **kwargs)))
        return E.to(device=device, dtype=torch.float64)

    def _embed(self, bags, weights, device, report=None):
        r"""Centred, scaled embeddings :math:`(\phi - \bar\phi)/u` in float64 on ``device``.

        Centring and the scalar unit :math:`u` (computed in float64 in ``fit``) keep
        the float32 kernels of the Nystroem solver accurate and finite for
        embeddings far from the origin or of extreme magnitude.
        """
        E = self._raw_embed(bags, weights, device, report)
        return (E - self.center_.to(device)) / self.unit_

    def _set_units(self, E):
        """Centre and unit from the float64 embeddings ``E`` of the training bags / landmarks."""
        self.center_ = E.mean(0).cpu()
        rms = float(((E - E.mean(0)) ** 2).sum(1).mean().sqrt())
        self.unit_ = rms if rms > 0 and np.isfinite(rms) else 1.0
        # distance between embeddings in the data's units = _distance_scale * internal distance
        self._distance_scale = float(getattr(self.embedding_, "_distance_unit", 1.0)) * self.unit_
        return (E - self.center_.to(E.device)) / self.unit_

    def _set_gamma(self, E_sub):
        if self.gamma is not None:
            self._kernel_gamma = float(self.gamma) * self._distance_scale**2
        else:
            self._kernel_gamma = median_heuristic_gamma(E_sub)
        self.gamma_ = self._kernel_gamma / self._distance_scale**2

    def _log(self, msg):
        if self.verbose:
            print(f"[{type(self).__name__}] {msg}", flush=True)

    def _report_convergence(self, report):
        if "n_iter" in report:
            self.n_iter_ = np.concatenate(report["n_iter"])
            self.n_not_converged_ = warn_not_converged(
                self.embedding_, self.n_iter_, np.concatenate(report["error"])
            )

    # --- fit / predict ---------------------------------------------------------------------
    def _fit_targets(self, bags, weights, Y, need_loo=False):
        """Fit the embedding and the kernel ridge on targets ``Y`` (n_bags, n_targets).

        ``need_loo``: also compute the leave-one-out residuals at the chosen alpha
        (always done when ``alpha="auto"``).
        """
        device = self._device()
        seed = draw_seed(self.random_state)
        rng = numpy_generator(seed)
        n = len(bags)
        for attr in ("center_", "n_iter_", "n_not_converged_", "loo_mse_", "alphas_", "loo_residuals_"):
            self.__dict__.pop(attr, None)  # nothing from a previous fit survives a refit
        self.embedding_ = self._make_embedding(seed)
        fit_idx = rng.choice(n, min(n, _MEDIAN_BAGS), replace=False) if n > _MEDIAN_BAGS else np.arange(n)
        fit_bags = [bags[i] for i in fit_idx]
        if weights is None:
            self.embedding_.fit(fit_bags)
        else:
            self.embedding_.fit(fit_bags, point_weight=[weights[i] for i in fit_idx])
        self.n_features_in_ = bags[0].shape[1]
        self.y_mean_ = Y.mean(0)
        Yc = torch.as_tensor(Y - self.y_mean_, dtype=torch.float64, device=device)
        auto = isinstance(self.alpha, str)
        grid = ALPHA_GRID if auto else [float(self.alpha)]
        alphas = torch.as_tensor(grid, dtype=torch.float64, device=device)
        solver = self.solver
        if solver == "auto":
            solver = "exact" if n <= _EXACT_MAX_BAGS else "nystroem"
        self.solver_ = solver
        report = {}
        if solver == "exact":
            self._log(f"embedding {n} bags")
            E = self._set_units(self._raw_embed(bags, weights, device, report))
            self._set_gamma(E[torch.as_tensor(fit_idx, device=device)])
            self._log(f"exact kernel ridge on {n} bags (gamma={self.gamma_:.4g})")
            K = gaussian_kernel(E, E, self._kernel_gamma)
            if auto or need_loo:
                lam, Q = torch.linalg.eigh(K)
                lam = lam.clamp_min(0.0)  # K is positive semi-definite; drop rounding negatives
                P = Q * lam.sqrt()
                res = ridge_loo_residuals(P, lam, Yc, P.T @ Yc, P.sum(0), alphas, n)
                best = self._select_alpha(res, alphas)
                self.dual_coef_ = (Q * (1.0 / (lam + self.alpha_))) @ (Q.T @ Yc)
                self.loo_residuals_ = to_numpy(res[best], np.float64)
            else:
                self.alpha_ = float(self.alpha)
                self.dual_coef_ = solve_exact_ridge(K, Yc, self.alpha_)
            self.dual_coef_ = self.dual_coef_.cpu()
            self.support_embeddings_ = E.cpu()
        else:
            m = min(self.n_components, n)
            land = np.sort(rng.choice(n, m, replace=False))
            L = self._raw_embed(
                [bags[i] for i in land], None if weights is None else [weights[i] for i in land], device
            )
            L = self._set_units(L)
            self._set_gamma(L)
            L = L.float()
            acc = NystroemRidgeAccumulator(L, self._kernel_gamma, Yc.shape[1])
            keep_phi = (auto or need_loo) and n * acc.M.shape[1] <= _KEEP_FEATURES
            kept = []
            for start in range(0, n, _STREAM_BAGS):
                stop = min(start + _STREAM_BAGS, n)
                w = None if weights is None else weights[start:stop]
                E = self._embed(bags[start:stop], w, device, report)
                phi = acc.add(E, Yc[start:stop])
                if keep_phi:
                    kept.append(phi)
                self._log(f"nystroem ({m} landmarks, gamma={self.gamma_:.4g}): {stop}/{n} bags")
            if auto or need_loo:
                s, V = torch.linalg.eigh(acc.gram)
                s = s.clamp_min(0.0)
                PtY, Pt1 = V.T @ acc.rhs, V.T @ acc.ones
                res = []
                for c, start in enumerate(range(0, n, _STREAM_BAGS)):
                    stop = min(start + _STREAM_BAGS, n)
                    if keep_phi:
                        phi = kept[c]
                    else:  # second pass: the features of 10^5 bags do not all fit in memory
                        w = None if weights is None else weights[start:stop]
                        phi = acc.features(self._embed(bags[start:stop], w, device))
                    res.append(ridge_loo_residuals(phi @ V, s, Yc[start:stop], PtY, Pt1, alphas, n))
                res = torch.cat(res, dim=1)
                best = self._select_alpha(res, alphas)
                self.dual_coef_ = acc.M @ ((V * (1.0 / (s + self.alpha_))) @ PtY)
                self.loo_residuals_ = to_numpy(res[best], np.float64)
            else:
                self.alpha_ = float(self.alpha)
                self.dual_coef_ = acc.solve(self.alpha_)
            self.dual_coef_ = self.dual_coef_.cpu()
            self.support_embeddings_ = L.cpu()
        self._report_convergence(report)
        return self

    def _select_alpha(self, res, alphas):
        """Store ``alphas_``, ``loo_mse_`` and ``alpha_`` (smallest mean squared LOO residual)."""
        mse = (res**2).mean(dim=(1, 2))
        mse = torch.where(torch.isfinite(mse), mse, torch.full_like(mse, float("inf")))
        best = int(torch.argmin(mse))
        self.alphas_ = to_numpy(alphas, np.float64)
        self.loo_mse_ = to_numpy(mse, np.float64)
        self.alpha_ = float(self.alphas_[best])
        return best

    def _decision(self, X, point_weight):
        check_is_fitted(self)
        bags = check_bags(X, n_features=self.n_features_in_)
        weights = check_point_weight(point_weight, bags)
        device = self._device()
        S = self.support_embeddings_.to(device)
        C = self.dual_coef_.to(device)
        out = np.empty((len(bags), C.shape[1]))
        report = {}
        for start in range(0, len(bags), _STREAM_BAGS):
            stop = min(start + _STREAM_BAGS, len(bags))
            w = None if weights is None else weights[start:stop]
            # float64 with the exact solver, float32 with the Nystroem landmarks (speed at 10^5 bags)
            E = self._embed(bags[start:stop], w, device, report).to(S.dtype)
            out[start:stop] = to_numpy(gaussian_kernel(E, S, self._kernel_gamma).double() @ C)
        if "n_iter" in report:
            n_iter, error = np.concatenate(report["n_iter"]), np.concatenate(report["error"])
            warn_not_converged(self.embedding_, n_iter, error)
        return out + self.y_mean_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags


_DOC_PARAMS = r"""
    Parameters
    ----------
    embedding : {"sliced_wasserstein", "mean", "sinkhorn"} or transformer, default="sliced_wasserstein"
        Bag embedding :math:`\phi`: :class:`SlicedWassersteinEmbedding` (64 directions
        x 64 quantiles), :class:`MeanEmbedding` or :class:`SinkhornPotentialEmbedding`
        with default settings, or an embedding instance (cloned; its parameters
        are tunable as ``embedding__<name>``; a ``random_state`` left to None is
        drawn from this estimator's).
    alpha : float or "auto", default="auto"
        Ridge penalty, as in scikit-learn's ``KernelRidge``: the system solved is
        :math:`(K + \alpha I) c = y - \bar y`. ``"auto"``: the value of ``ALPHA_GRID``
        (37 values, :math:`10^{-10}` to :math:`10^2`, three per decade; :math:`K` has a
        unit diagonal, so the grid needs no rescaling) with the smallest exact
        leave-one-out squared error. One eigendecomposition serves the whole grid
        (of :math:`K` with the exact solver, of the :math:`m \times m` feature Gram
        matrix with Nystroem), as in scikit-learn's ``RidgeCV``; the leave-one-out
        refits the mean intercept too, and keeps the embedding and ``gamma`` fixed.
    gamma : float, default=None
        Kernel width :math:`\gamma`, in the units of the embedding returned by
        ``embedding_.transform`` (e.g. :math:`1/\text{length}^2` for the sliced
        embedding, whose distance is :math:`SW_2`); None:
        :math:`1/\operatorname{median}\|\phi_i - \phi_j\|^2` over (up to 1,000)
        training bags or over the Nystroem landmarks. With None (and the
        embeddings' default bandwidths) the model is invariant to a global
        translation and rescaling of the points; an explicit ``gamma`` fixes a
        length scale, so it is not.
    solver : {"auto", "exact", "nystroem"}, default="auto"
        "exact": Cholesky on the full Gram matrix (:math:`O(N^2)` memory,
        :math:`O(N^3)` time); "nystroem": ``n_components`` landmark bags, cost
        linear in the number of bags, embeddings streamed in chunks; "auto":
        exact up to 2,000 bags.
    n_components : int, default=500
        Number of Nystroem landmarks.
    device : {"auto", "cpu", "cuda"} or torch.device, default="auto"
    random_state : int, RandomState instance or None, default=None
        Seeds the embedding and the landmarks.
    n_jobs : int, default=None
        Parallel workers for embeddings that loop over bags (Sinkhorn).
    verbose : int, default=0
"""


class KernelDistributionRegressor(RegressorMixin, _KernelDistributionBase):
    __doc__ = (
        r"""Kernel ridge regression on bags: distribution regression with a Hilbertian embedding.

    Each example is a bag :math:`x_{i1}, \dots, x_{iN_i} \sim \mu_i` with a real label
    :math:`y_i`. Bags are embedded by :math:`\phi` (sliced quantiles, kernel mean
    or Sinkhorn potentials) and regressed with the Gaussian kernel on the
    embedding distance, squared exactly once:

    .. math::
        K(\mu, \nu) = \exp\big(-\gamma \|\phi(\mu) - \phi(\nu)\|^2\big), \qquad
        \hat y(\mu) = \bar y + k(\mu)^\top (K + \alpha I)^{-1} (y - \bar y).

    With the sliced embedding, :math:`\|\phi(\mu) - \phi(\nu)\|^2 \approx SW_2^2`
    and ``K`` is the sliced Wasserstein kernel of Bachoc et al. (2023), Sec. 2.
    The mean :math:`\bar y` is an unpenalised intercept.
"""
        + _DOC_PARAMS
        + r"""
    Attributes
    ----------
    embedding_ : transformer
        The fitted embedding.
    gamma_ : float
        Kernel width in the units of ``embedding_.transform``.
    alpha_ : float
        The ridge penalty used (``alpha``, or the one chosen by ``alpha="auto"``).
    alphas_, loo_mse_ : ndarray of shape (n_alphas,)
        With ``alpha="auto"`` (and always for the classifier, then with the one
        ``alpha``): the grid and its mean squared leave-one-out errors.
    loo_residuals_ : ndarray of shape (n_bags, n_targets)
        Likewise: leave-one-out residuals :math:`y_i - \hat y_{-i}` at ``alpha_``.
    solver_ : str
    support_embeddings_ : tensor of shape (n_support, n_embedding)
        Embeddings of the training bags (exact, float64) or of the landmarks
        (Nystroem, float32), centred and divided by ``unit_``.
    center_ : tensor of shape (n_embedding,)
    unit_ : float
        Mean and RMS spread of the embeddings of the training bags / landmarks (in the
        embedding's standardised units); kernels are computed on :math:`(\phi - c)/u`.
    dual_coef_ : tensor of shape (n_support, n_targets)
    y_mean_ : ndarray of shape (n_targets,)
    n_iter_ : ndarray of shape (n_bags,)
        Sinkhorn embedding only: iterations per training bag.
    n_not_converged_ : int
        Sinkhorn embedding only: training bags whose Sinkhorn solve did not converge
        (reported by one ``ConvergenceWarning`` per fit).

    References
    ----------
    F. Bachoc, L. Béthune, A. González-Sanz, J.-M. Loubes. Improved learning
    theory for kernel distribution regression with two-stage sampling.
    arXiv:2308.14335 (2023).

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.distribution import KernelDistributionRegressor
    >>> rng = np.random.default_rng(0)
    >>> means = rng.uniform(-2, 2, 40)
    >>> bags = [rng.normal(m, 1.0, size=(30, 1)) for m in means]
    >>> model = KernelDistributionRegressor(alpha=1e-3, random_state=0).fit(bags[:30], means[:30])
    >>> bool(model.score(bags[30:], means[30:]) > 0.9)
    True
    """
    )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, point_weight=None):
        """Fit on bags ``X`` with labels ``y``.

        Parameters
        ----------
        X : list of array-like of shape (n_i, d), or array-like of shape (n_bags, n, d)
        y : array-like of shape (n_bags,) or (n_bags, n_targets)
        point_weight : list of array-like of shape (n_i,), optional
            Non-negative per-point weights, one array per bag.

        Returns
        -------
        self
        """
        bags = check_bags(X)
        weights = check_point_weight(point_weight, bags)
        y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        if y.ndim > 2:
            raise ValueError(f"y must be 1-D or 2-D; got shape {y.shape}.")
        if y.shape[0] != len(bags):
            raise ValueError(f"y has {y.shape[0]} labels but there are {len(bags)} bags.")
        self._y_1d = y.ndim == 1
        return self._fit_targets(bags, weights, y.reshape(len(bags), -1))

    def predict(self, X, point_weight=None):
        """Predict labels of bags.

        Returns
        -------
        ndarray of shape (n_bags,) or (n_bags, n_targets)
        """
        out = self._decision(X, point_weight)
        return out[:, 0] if self._y_1d else out


class KernelDistributionClassifier(ClassifierMixin, _KernelDistributionBase):
    __doc__ = (
        r"""Kernel ridge classification of bags (one-vs-rest, labels coded :math:`\pm 1`).

    The same kernel as :class:`KernelDistributionRegressor`,
    :math:`K(\mu, \nu) = \exp(-\gamma\|\phi(\mu) - \phi(\nu)\|^2)`, with one
    regression per class on targets :math:`\pm 1` (as scikit-learn's
    ``RidgeClassifier`` on a kernel); the predicted class has the largest score.

    Probabilities (``predict_proba``) are the scores passed through a softmax
    with one temperature :math:`\beta > 0` (temperature scaling, Guo et al.
    2017): :math:`p_k \propto e^{\beta s_k}` for :math:`K > 2` classes,
    :math:`p_1 = \sigma(2\beta s)` for two (the softmax of :math:`(-s, s)`).
    :math:`\beta` minimises the log-loss of the *leave-one-out* scores of the
    training bags (exact, from the same eigendecomposition as ``alpha="auto"``,
    so no refit), against Platt's (1999) smoothed targets
    :math:`(N_k + 1)/(N_k + 2)`, which keep :math:`\beta` finite on separable data.
    A single positive temperature never reorders the scores, so the argmax of
    ``predict_proba`` is always ``predict``. ``alpha="auto"`` minimises the
    leave-one-out squared error of the :math:`\pm 1` codes (as ``RidgeClassifierCV``).

    References: C. Guo, G. Pleiss, Y. Sun, K. Q. Weinberger. On calibration of modern
    neural networks. ICML 2017. J. Platt. Probabilistic outputs for support vector
    machines. Advances in Large Margin Classifiers, 1999.
"""
        + _DOC_PARAMS
        + r"""
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    temperature_ : float
        The softmax temperature :math:`\beta` of ``predict_proba``.
    embedding_, gamma_, alpha_, solver_, support_embeddings_, dual_coef_, loo_residuals_ :
        As in :class:`KernelDistributionRegressor` (``loo_residuals_`` always: the
        calibration needs them).

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.distribution import KernelDistributionClassifier
    >>> rng = np.random.default_rng(0)
    >>> scales = rng.choice([0.5, 2.0], 60)
    >>> bags = [rng.normal(0.0, s, size=(40, 2)) for s in scales]
    >>> clf = KernelDistributionClassifier(random_state=0).fit(bags[:40], scales[:40] > 1)
    >>> float(clf.score(bags[40:], scales[40:] > 1))
    1.0
    """
    )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, point_weight=None):
        """Fit on bags ``X`` with class labels ``y`` of shape (n_bags,)."""
        bags = check_bags(X)
        weights = check_point_weight(point_weight, bags)
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D class labels; got shape {y.shape}.")
        if y.shape[0] != len(bags):
            raise ValueError(f"y has {y.shape[0]} labels but there are {len(bags)} bags.")
        check_classification_targets(y)
        binarizer = LabelBinarizer(neg_label=-1, pos_label=1).fit(y)  # scikit-learn's, the only encoder here
        self.classes_ = binarizer.classes_
        if len(self.classes_) < 2:
            raise ValueError(f"need at least 2 classes; y has only {self.classes_[0]!r}.")
        Y = binarizer.transform(y).astype(np.float64)
        self._fit_targets(bags, weights, Y, need_loo=True)
        self.temperature_ = fit_temperature(Y - self.loo_residuals_, Y > 0)
        return self

    def decision_function(self, X, point_weight=None):
        """Scores per class: shape (n_bags,) for two classes (positive = ``classes_[1]``)."""
        out = self._decision(X, point_weight)
        return out[:, 0] if out.shape[1] == 1 else out

    def predict_proba(self, X, point_weight=None):
        """Class probabilities: the temperature-scaled softmax of the scores (see the class docstring).

        Returns
        -------
        ndarray of shape (n_bags, n_classes)
            Rows sum to one; columns follow ``classes_``.
        """
        return _softmax_scores(self._decision(X, point_weight), self.temperature_)

    def predict_log_proba(self, X, point_weight=None):
        """Logarithm of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X, point_weight))

    def predict(self, X, point_weight=None):
        """Predicted class of each bag."""
        scores = self.decision_function(X, point_weight)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]


def _softmax_scores(S, beta):
    """Probabilities from one-vs-rest scores ``S`` (n, 1) for two classes or (n, K)."""
    Z = beta * (np.hstack([-S, S]) if S.shape[1] == 1 else S)
    Z -= Z.max(1, keepdims=True)
    P = np.exp(Z)
    return P / P.sum(1, keepdims=True)


def fit_temperature(S, onehot):
    r"""Temperature :math:`\beta` minimising the smoothed log-loss of scores ``S`` (n, 1 or K).

    ``onehot`` (n, 1 or K) marks each bag's class (one column, the positive class, for
    two classes). Targets are Platt's: :math:`(N_k + 1)/(N_k + 2)` on the true class,
    the rest shared by the others. The loss is convex in :math:`\beta`; it is minimised
    over :math:`\log\beta \in [-10, 10]`.
    """
    from scipy.optimize import minimize_scalar

    onehot = np.asarray(onehot, dtype=bool)
    if onehot.shape[1] == 1:
        onehot = np.hstack([~onehot, onehot])
    n_k = onehot.sum(0)
    K = onehot.shape[1]
    t_true = (n_k + 1.0) / (n_k + 2.0)
    T = np.where(onehot, t_true[None, :], ((1.0 - t_true) / (K - 1))[onehot.argmax(1)][:, None])

    def loss(log_beta):
        P = _softmax_scores(S, np.exp(log_beta))
        return -np.sum(T * np.log(np.clip(P, 1e-300, None))) / len(S)

    return float(np.exp(minimize_scalar(loss, bounds=(-10.0, 10.0), method="bounded").x))
