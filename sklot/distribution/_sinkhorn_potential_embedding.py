"""SinkhornPotentialEmbedding: bags -> entropic OT potentials on a fixed reference cloud."""

import warnings
from numbers import Integral, Real

import numpy as np
import torch
from joblib import Parallel, delayed
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval

from .._core.random import numpy_generator
from .._core.validation import N_JOBS_CONSTRAINT, check_bags, check_point_weight
from ._embedding_base import BagEmbeddingMixin
from ._sinkhorn_potentials import sinkhorn_potential

__all__ = ["SinkhornPotentialEmbedding", "warn_not_converged"]

_MAX_FIT_BAGS = 1000


class SinkhornPotentialEmbedding(BagEmbeddingMixin):
    r"""Embed each bag by its dual Sinkhorn potential against a fixed reference cloud.

    In ``fit``, a reference cloud :math:`\rho = \frac1m\sum_i \delta_{u_i}` is drawn
    from a Gaussian with the mean and covariance of the pooled training points.
    A bag :math:`\mu` is embedded by the potential :math:`f^\mu` of entropic OT
    from :math:`\rho` to :math:`\mu` (squared Euclidean cost, regularisation
    :math:`\varepsilon`), centred so that :math:`\sum_i f_i / m = 0`:

    .. math::
        \phi(\mu) = m^{-1/2} \big(f^\mu_i\big)_{i \le m},
        \qquad \|\phi(\mu) - \phi(\nu)\|^2 = \|f^\mu - f^\nu\|^2_{L^2(\rho)}.

    This is the regularised-OT embedding of Bachoc et al. (2023). One Sinkhorn
    problem (POT, log domain) is solved per bag, in parallel over ``n_jobs``
    workers: this is the slowest of the three embeddings.

    Units. The problems are solved on the standardised points
    :math:`(x - c)/s` (``location_``, ``scale_``) against the standardised
    reference, with :math:`\varepsilon/s^2`; the cost is translation invariant
    and the potentials scale as squared distances, so :math:`f = s^2 f'`
    exactly, and ``transform`` returns :math:`s^2 f'` in float64: the result
    does not depend on the data's offset, and no float64 cost overflows or
    underflows at extreme magnitudes.

    Convergence. A bag whose Sinkhorn solve ends after ``max_iter`` iterations
    with a marginal violation above ``tol`` has not converged: each
    ``transform`` (and the fit of :class:`KernelDistributionRegressor`) issues
    one :class:`~sklearn.exceptions.ConvergenceWarning` saying how many bags did
    not converge and the largest violation.

    Parameters
    ----------
    n_references : int, default=64
        Size ``m`` of the reference cloud (the embedding dimension).
    reg : float, default=0.1
        Entropic regularisation relative to the data scale:
        :math:`\varepsilon = \mathrm{reg} \times \operatorname{tr}\Sigma` with
        :math:`\Sigma` the covariance of the pooled training points.
    max_iter : int, default=1000
        Sinkhorn iterations at most.
    tol : float, default=1e-9
        Sinkhorn stopping threshold on the marginal violation.
    n_jobs : int, default=None
        Parallel workers (joblib) over bags.
    random_state : int, RandomState instance or None, default=None
        Seeds the reference cloud.
    verbose : int, default=0

    Attributes
    ----------
    reference_ : ndarray of shape (m, d)
    epsilon_ : float
        Absolute entropic regularisation (squared units of the points).
    location_ : ndarray of shape (d,)
    scale_ : float
        Location and scale of the training points used to standardise them.
    n_iter_ : ndarray of shape (n_bags,)
        Sinkhorn iterations per bag, set by ``fit_transform``.
    n_not_converged_ : int
        Bags of ``fit_transform`` whose solve did not reach ``tol`` in ``max_iter``.
    n_features_in_ : int

    Notes
    -----
    The computation runs in numpy through POT (one small problem per bag), so
    there is no ``device`` parameter.

    References
    ----------
    F. Bachoc, L. Béthune, A. González-Sanz, J.-M. Loubes. Improved learning
    theory for kernel distribution regression with two-stage sampling.
    arXiv:2308.14335 (2023).

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.distribution import SinkhornPotentialEmbedding
    >>> rng = np.random.default_rng(0)
    >>> bags = [rng.normal(m, 1.0, size=(40, 2)) for m in (0.0, 0.0, 2.0)]
    >>> E = SinkhornPotentialEmbedding(n_references=16, random_state=0).fit_transform(bags)
    >>> E.shape
    (3, 16)
    >>> bool(np.linalg.norm(E[0] - E[1]) < np.linalg.norm(E[0] - E[2]))
    True
    """

    _parameter_constraints = {
        "n_references": [Interval(Integral, 1, None, closed="left")],
        "reg": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_jobs": N_JOBS_CONSTRAINT,
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self, *, n_references=64, reg=0.1, max_iter=1000, tol=1e-9, n_jobs=None, random_state=None, verbose=0
    ):
        self.n_references = n_references
        self.reg = reg
        self.max_iter = max_iter
        self.tol = tol
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def _device(self):
        return torch.device("cpu")

    def _fit_bags(self, bags, weights, seed):
        if len(bags) > _MAX_FIT_BAGS:  # the mean and covariance need no more
            keep = numpy_generator(seed + 1).choice(len(bags), _MAX_FIT_BAGS, replace=False)
            bags = [bags[i] for i in keep]
            weights = None if weights is None else [weights[i] for i in keep]
        pooled = self._standardised(np.concatenate(bags))
        pooled_w = None if weights is None else np.concatenate(weights)
        mean = np.average(pooled, axis=0, weights=pooled_w)
        d = pooled.shape[1]
        cov = (
            np.atleast_2d(np.cov(pooled, rowvar=False, aweights=pooled_w))
            if pooled.shape[0] > 1
            else np.eye(d)
        )
        scale = float(np.trace(cov))
        if not scale > 0:
            scale = 1.0
        chol = np.linalg.cholesky(cov + 1e-9 * scale * np.eye(d))
        z = numpy_generator(seed).standard_normal((self.n_references, d))
        # reference and epsilon in standardised units, then reported in the data's units
        self._reference_std = mean + z @ chol.T
        self._epsilon_std = self.reg * scale
        self.reference_ = self.location_ + self.scale_ * self._reference_std
        self.epsilon_ = self._epsilon_std * self.scale_**2
        self._n_features_out = self.n_references

    @property
    def _distance_unit(self):
        return self.scale_**2

    def _to_original_units(self, E):
        return self.scale_**2 * E

    def _solve(self, bags, weights):
        """Standardised potentials (n_bags, m) / sqrt(m), iterations and final errors per bag."""
        m = self.n_references
        ref_w = np.full(m, 1.0 / m)

        def one(i):
            x = self._standardised(bags[i])
            if weights is None:
                w = np.full(x.shape[0], 1.0 / x.shape[0])
            else:
                keep = weights[i] > 0  # zero-weight points would put log(0) in Sinkhorn
                x, w = x[keep], weights[i][keep]
            return sinkhorn_potential(
                x, w, self._reference_std, ref_w, self._epsilon_std, max_iter=self.max_iter, tol=self.tol
            )

        out = Parallel(n_jobs=self.n_jobs, verbose=10 if self.verbose else 0)(
            delayed(one)(i) for i in range(len(bags))
        )
        rows = np.asarray([o[0] for o in out]) / np.sqrt(m)
        return rows, np.array([o[1] for o in out]), np.array([o[2] for o in out])

    def _embed(self, bags, weights, device, report=None):
        """Embed in standardised units. ``report``: a dict that collects the iteration counts and
        errors (the caller then warns once); None warns here, once, if a solve did not converge."""
        rows, n_iter, err = self._solve(bags, weights)
        if report is None:
            warn_not_converged(self, n_iter, err)
        else:
            report.setdefault("n_iter", []).append(n_iter)
            report.setdefault("error", []).append(err)
        return torch.as_tensor(rows)

    def fit_transform(self, X, y=None, point_weight=None):
        """Fit, embed the same bags, and record ``n_iter_`` and ``n_not_converged_``."""
        self.fit(X, y, point_weight=point_weight)
        bags = check_bags(X, n_features=self.n_features_in_)
        weights = check_point_weight(point_weight, bags)
        report = {}
        E = self._embed(bags, weights, self._device(), report=report)
        self.n_iter_ = np.concatenate(report["n_iter"])
        self.n_not_converged_ = warn_not_converged(self, self.n_iter_, np.concatenate(report["error"]))
        return self._to_original_units(E.numpy())


def warn_not_converged(embedding, n_iter, error):
    """One ConvergenceWarning for the bags whose Sinkhorn solve did not reach ``tol``; returns their count."""
    bad = ~(np.asarray(error) < embedding.tol)
    n_bad = int(bad.sum())
    if n_bad:
        warnings.warn(
            f"Sinkhorn did not converge for {n_bad} of {len(bad)} bags within max_iter="
            f"{embedding.max_iter} iterations (largest marginal violation {np.max(error[bad]):.3g} > "
            f"tol={embedding.tol:g}; iterations used: max {int(np.max(n_iter))}). "
            "Increase max_iter or reg, or loosen tol.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return n_bad
