"""``ConjugateMomentSampler``: sample and map with a single convex potential."""

import math
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._core.base import TorchEstimatorMixin
from .._core.device import to_numpy
from .._core.init import build_module
from .._core.schedules import cosine_factor
from .._core.random import draw_seed, torch_generator
from ._conjugate import conjugate_gradient, potential_gradient
from ._fixed_point import fixed_point_fit
from ._gaussian import gaussian_conjugate_moment
from ._icnn import ICNNPotential
from ._langevin import langevin

__all__ = ["ConjugateMomentSampler"]

# float64 throughout: the inner conjugate solves and log-determinants need it, and
# per-point outputs then do not depend on the batch they are computed in.
_DTYPE = torch.float64


class ConjugateMomentSampler(
    ClassNamePrefixFeaturesOutMixin, TorchEstimatorMixin, TransformerMixin, BaseEstimator
):
    """Generative model :math:`\\rho = \\nabla w^* \\# e^{-w}` with one convex potential.

    Learns an input-convex network :math:`w` such that data :math:`y \\sim \\rho`
    are the image of latent points :math:`x \\sim P_w \\propto e^{-w}` under
    :math:`\\nabla w^*` (the Brenier map from the log-concave latent to the data),
    the *conjugate moment measure* factorisation of Vesseron, Bethune & Cuturi
    (2025). One potential both samples (Langevin on :math:`w`, then
    :math:`\\nabla w^*`) and maps (``transform`` = :math:`\\nabla w`, data to latent;
    ``inverse_transform`` = :math:`\\nabla w^*`, latent to data). For
    :math:`\\rho = N(m, S)` the exact answer is

    .. math::

        P_w = N\\big(a, S^{1/3}\\big), \\quad a = (I + S^{1/3})^{-1} m, \\quad
        \\nabla w^*(x) = a + S^{1/3} x .

    With the default ``standardize=True`` the potential is that of the per-feature
    standardised data, so ``transform`` and ``sample_latent`` give the latent of the
    standardised data (:math:`N(0, C^{1/3})`, :math:`C` the correlation matrix), not the
    one above; ``standardize=False`` fits :math:`\\rho` itself (see ``standardize``).

    ``factorization="moment"`` fits instead the moment measure
    :math:`\\rho = \\nabla u \\# e^{-u}` (Cordero-Erausquin & Klartag, 2015), whose
    latent for :math:`N(0, S)` is :math:`N(0, S^{-1})`: the paper's "ill-suited"
    baseline (the data are always centred for it, as moment measures have
    barycentre 0).

    Fitting runs the damped fixed-point iteration: Langevin moves of persistent
    particles on :math:`w_k`, an OT step between a data batch and the particles,
    and a few optimiser steps pulling :math:`\\nabla w` towards the damped OT
    target (see ``sklot.moment._fixed_point``).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(64, 64)
        Widths of the input-convex network's hidden layers.
    n_particles : int, default=256
        Persistent Langevin chains.
    batch_size : int or "auto", default="auto"
        Data points per outer iteration in the OT step (at most the number of samples).
        ``"auto"``: ``4 * n_particles`` for the conjugate factorisation with the
        semi-dual step, whose data term :math:`\\mathbb{E}_\\rho w` costs one forward
        pass per point (no conjugate solve), so a larger batch lowers the variance of
        the stochastic gradient almost for free (spiral validation draws: sliced
        Wasserstein 0.109 / 0.143 with 256 points, 0.094 / 0.130 with 1,024; see
        docs/benchmarks/moment.md, ``benchmarks/moment/validate_defaults.py --table
        averaging``); ``n_particles`` otherwise (the discrete OT plan,
        or the moment factorisation, where the conjugate is solved at the data).
    n_langevin_steps : int, default=20
        Langevin steps per outer iteration.
    step_size : float, default=0.01
        Langevin step :math:`\\tau` (in standardised units when ``standardize``).
    sampler : {"ula", "mala"}, default="ula"
        Unadjusted or Metropolis-adjusted Langevin for the persistent chains of the
        fit. ``sample`` and ``sample_latent`` always run MALA (no step-size bias; their
        step adaptation needs the acceptance rate), whatever this parameter.
    max_iter : int, default=600
        Outer fixed-point iterations. Separated modes need many: the quadratic
        part of :math:`w` starts at :math:`\\|x\\|^2/2` and must shrink for
        :math:`\\nabla w^*` to become nearly piecewise constant (300 iterations
        leave it near 0.3 on a ring of Gaussians and the generator fills the gaps
        between modes; see docs/benchmarks/moment.md,
        ``benchmarks/moment/validate_defaults.py --table iterations``).
    ot_solver : {"auto", "emd", "sinkhorn", "neural_dual"}, default="auto"
        OT step: exact discrete OT (``ot.emd``) or entropic Sinkhorn followed by
        regression of :math:`\\nabla w` on the barycentric targets (cheap), or
        semi-dual steps through the inner conjugate solver (the paper's
        objective). ``"auto"`` picks ``"neural_dual"`` for
        ``factorization="conjugate"``: the regression only constrains
        :math:`\\nabla w` at data points, so the generator :math:`\\nabla w^*`
        spreads mass into gaps between modes, while the semi-dual term
        :math:`\\mathbb{E}\\, w^*(x)` evaluates :math:`w` at the generated points
        and pushes them out of the gaps (sliced Wasserstein 0.09 vs 0.18 on two
        moons with an uncommitted script; ``benchmarks/moment/validate_defaults.py
        --table ot_step`` printed 0.030 vs 0.041 at the current defaults, see
        docs/benchmarks/moment.md); and ``"emd"`` for
        ``factorization="moment"``, whose regression already acts on the latent.
    sinkhorn_reg : float, default=0.05
        Entropic regularisation of ``ot_solver="sinkhorn"``.
    damping : float in (0, 1], default=0.5
        :math:`\\beta`: the regression target is
        :math:`\\nabla w_k + \\beta(\\bar x - \\nabla w_k)`. For a Gaussian of
        covariance :math:`S` the iteration converges when
        :math:`\\beta < 2/(1 + \\lambda_{\\max}(S)^{1/3})`. With
        ``ot_solver="neural_dual"`` it multiplies the learning rate instead.
    n_inner_steps : int, default=5
        Optimiser steps per outer iteration (warm-started).
    learning_rate : float, default=2e-2
        Adam learning rate (betas (0.5, 0.5)), cosine-decayed to a tenth over ``max_iter``.
    averaging : float in [0, 1], default=0.5
        Fraction of the last outer iterations whose network parameters are averaged
        (Polyak-Ruppert tail averaging); the fitted potential is that average (still
        convex: the parametrisation, not the values, makes the weights non-negative).
        The stochastic fixed-point iteration ends in a noisy neighbourhood of its fixed
        point, and the average of the iterates lies closer to it than any one of them:
        on validation draws of the spiral the sliced Wasserstein distance to held-out
        data fell from 0.142 / 0.247 (last iterate) to 0.109 / 0.143 (two draws; see
        docs/benchmarks/moment.md, ``benchmarks/moment/validate_defaults.py --table
        averaging``). ``0`` keeps the last iterate.
    strong_convexity : float, default=0.1
        :math:`\\alpha` in :math:`w(x) = \\dots + \\alpha/2 \\|x\\|^2`.
    init : {"identity", "gaussian"}, default="identity"
        :math:`w \\approx \\|x\\|^2/2` (latent :math:`N(0, I)`), or the closed-form
        answer for the Gaussian with the data's mean and covariance; both exact to
        second order at the latent mean (the small hidden branch stays on).
    factorization : {"conjugate", "moment"}, default="conjugate"
    standardize : bool, default=True
        Fit on per-feature standardised data and undo the scaling on output.
        The factorisation is not affine-equivariant, so ``transform`` (and
        ``sample_latent``) then give the conjugate moment latent of the
        *standardised* data, not of :math:`\\rho` as given: for
        :math:`\\rho = N(m, S)`, :math:`D = \\mathrm{diag}(S)^{1/2}` and
        :math:`C = D^{-1} S D^{-1}`, the latent is :math:`N(0, C^{1/3})` and
        ``transform`` is :math:`y \\mapsto C^{-1/3} D^{-1}(y - m)`, whereas ``False``
        fits :math:`\\rho` itself (latent :math:`N(a, S^{1/3})`, ``transform``
        :math:`y \\mapsto S^{-1/3}(y - a)`). ``sample`` follows :math:`\\rho` either way.
        The standardisation is scale-free: fitting ``c * X`` gives ``c`` times the samples
        of ``X`` (up to rounding).
    conjugate_tol : float, default=1e-5
        Tolerance of the inner conjugate solver (max gradient entry) in
        ``inverse_transform``, ``sample`` and ``score_samples``; the warm-started
        solves of the semi-dual OT step during ``fit`` use ``100 * conjugate_tol``
        and at most 20 iterations.
    conjugate_max_iter : int, default=100
        L-BFGS iterations of the inner conjugate solver.
    device : {"auto", "cpu", "cuda"}, default="auto"
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0
        Print progress of the fixed-point iteration.

    Attributes
    ----------
    potential_ : ICNNPotential
        The fitted convex potential, in standardised coordinates, on the features that vary.
    particles_ : torch.Tensor of shape (n_particles, n_varying_features)
        Final persistent Langevin particles (latent samples of the varying features).
    mean_, scale_ : ndarray of shape (n_features,)
        The standardisation (identity when ``standardize=False``; scale 1 for constant
        features).
    constant_features_ : ndarray of bool, shape (n_features,)
        Features constant in the training data (range within a few ulps of their
        magnitude). A :class:`UserWarning` names them; they are left out of the fit,
        come back at their value (``constant_values_``) from ``sample`` and
        ``inverse_transform``, and their latent coordinate is their value in the fitted
        coordinates (0 when centred), the limit of the Gaussian closed form
        :math:`N(c/(1 + s^{2/3}), s^{2/3}) \\to \\delta_c` as the variance
        :math:`s^2 \\to 0`. Data whose every feature is constant (one repeated point)
        raise a ``ValueError``: there is no distribution to fit.
    constant_values_ : ndarray of shape (n_constant_features,)
    n_conjugate_solves_, n_conjugate_unconverged_ : int
        Batched inner conjugate solves of the semi-dual OT step during ``fit``, and how
        many stopped at their iteration cap above the tolerance; when any did, ``fit``
        emits one :class:`~sklearn.exceptions.ConvergenceWarning` with these counts.
    conjugate_max_residual_ : float
        Largest :math:`\\max |\\nabla w(y) - x|` of those solves (0 without them).
    n_sinkhorn_solves_, n_sinkhorn_unconverged_ : int
        The same for the Sinkhorn plans of ``ot_solver="sinkhorn"`` (at most 300
        iterations; unconverged: column-marginal error above 1 % of :math:`\\|b\\|_2`); one
        ConvergenceWarning per fit when any stopped above the threshold.
    sinkhorn_max_error_ : float
    log_normalizer_ : float
        :math:`\\log \\int e^{-w}`, by importance sampling (used by ``score_samples``).
    history_ : list of dict
        Per outer iteration: loss, acceptance, latent mean and variance.
    n_iter_ : int
    n_features_in_ : int

    References
    ----------
    N. Vesseron, L. Bethune, M. Cuturi. "Sample and Map from a Single Convex
    Potential: Generation using Conjugate Moment Measures", NeurIPS 2025
    (arXiv:2503.10576).

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.moment import ConjugateMomentSampler
    >>> X = np.random.default_rng(0).normal(size=(200, 2))
    >>> cms = ConjugateMomentSampler(hidden_layer_sizes=(16,), max_iter=20, n_particles=128,
    ...                              random_state=0).fit(X)
    >>> cms.sample(5).shape
    (5, 2)
    >>> Z = cms.transform(X[:3])
    >>> bool(np.allclose(cms.inverse_transform(Z), X[:3], atol=1e-3))
    True
    """

    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like"],
        "n_particles": [Interval(Integral, 2, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "n_langevin_steps": [Interval(Integral, 0, None, closed="left")],
        "step_size": [Interval(Real, 0, None, closed="neither")],
        "sampler": [StrOptions({"ula", "mala"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "ot_solver": [StrOptions({"auto", "emd", "sinkhorn", "neural_dual"})],
        "sinkhorn_reg": [Interval(Real, 0, None, closed="neither")],
        "damping": [Interval(Real, 0, 1, closed="right")],
        "n_inner_steps": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "averaging": [Interval(Real, 0, 1, closed="both")],
        "strong_convexity": [Interval(Real, 0, None, closed="neither")],
        "init": [StrOptions({"identity", "gaussian"})],
        "factorization": [StrOptions({"conjugate", "moment"})],
        "standardize": ["boolean"],
        "conjugate_tol": [Interval(Real, 0, None, closed="neither")],
        "conjugate_max_iter": [Interval(Integral, 1, None, closed="left")],
        "device": "no_validation",
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        hidden_layer_sizes=(64, 64),
        n_particles=256,
        batch_size="auto",
        n_langevin_steps=20,
        step_size=0.01,
        sampler="ula",
        max_iter=600,
        ot_solver="auto",
        sinkhorn_reg=0.05,
        damping=0.5,
        n_inner_steps=5,
        learning_rate=2e-2,
        averaging=0.5,
        strong_convexity=0.1,
        init="identity",
        factorization="conjugate",
        standardize=True,
        conjugate_tol=1e-5,
        conjugate_max_iter=100,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.n_particles = n_particles
        self.batch_size = batch_size
        self.n_langevin_steps = n_langevin_steps
        self.step_size = step_size
        self.sampler = sampler
        self.max_iter = max_iter
        self.ot_solver = ot_solver
        self.sinkhorn_reg = sinkhorn_reg
        self.damping = damping
        self.n_inner_steps = n_inner_steps
        self.learning_rate = learning_rate
        self.averaging = averaging
        self.strong_convexity = strong_convexity
        self.init = init
        self.factorization = factorization
        self.standardize = standardize
        self.conjugate_tol = conjugate_tol
        self.conjugate_max_iter = conjugate_max_iter
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # -- fitting -----------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the potential by the damped fixed-point iteration.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples of the target distribution :math:`\\rho`.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        sizes = tuple(self.hidden_layer_sizes)
        if not sizes or any(int(h) != h or h < 1 for h in sizes):
            raise ValueError(f"hidden_layer_sizes must be a non-empty tuple of positive ints; got {sizes!r}.")
        device = self._device()
        seed = draw_seed(self.random_state)
        self._set_coordinates(X)
        Xs = self._fit_coordinates(X)
        d = Xs.shape[1]

        rank = max(1, min(d - 1, 8))
        potential = build_module(
            lambda: ICNNPotential(d, sizes, rank=rank, strong_convexity=self.strong_convexity), seed
        )
        potential = potential.to(device=device, dtype=_DTYPE)
        if self.init == "gaussian":
            precision, latent_mean = self._gaussian_init(Xs)
        else:
            precision, latent_mean = np.eye(d), np.zeros(d)
        potential.init_quadratic(precision, latent_mean)  # again, in float64

        gen = torch_generator(seed + 1, device)
        particles = _gaussian_sample(latent_mean, precision, self.n_particles, gen, device)
        data = torch.as_tensor(Xs, dtype=_DTYPE, device=device)
        ot_solver = self.ot_solver
        if ot_solver == "auto":
            ot_solver = "neural_dual" if self.factorization == "conjugate" else "emd"
        batch_size = self.batch_size
        if batch_size == "auto":
            semi_dual_on_data = ot_solver == "neural_dual" and self.factorization == "conjugate"
            batch_size = 4 * self.n_particles if semi_dual_on_data else self.n_particles
        lr = self.learning_rate * (self.damping if ot_solver == "neural_dual" else 1.0)
        optimizer = torch.optim.Adam(potential.parameters(), lr=lr, betas=(0.5, 0.5))
        total_steps = self.max_iter * self.n_inner_steps
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: cosine_factor(step, total_steps, final=0.1)  # down to lr / 10
        )
        particles, history = fixed_point_fit(
            potential,
            data,
            particles,
            factorization=self.factorization,
            n_iter=self.max_iter,
            batch_size=batch_size,
            n_langevin_steps=self.n_langevin_steps,
            step_size=self.step_size,
            sampler=self.sampler,
            ot_solver=ot_solver,
            sinkhorn_reg=self.sinkhorn_reg,
            damping=self.damping,
            n_inner_steps=self.n_inner_steps,
            optimizer=optimizer,
            scheduler=scheduler,
            generator=gen,
            # Inside the fit the semi-dual only needs approximate maximisers (the Danskin
            # gradient error is of the order of the residual) and the solves are warm-started:
            # 100 x conjugate_tol and at most 20 L-BFGS iterations (the spec's reference setting).
            conjugate_tol=100 * self.conjugate_tol,
            conjugate_max_iter=min(20, self.conjugate_max_iter),
            averaging=self.averaging,
            verbose=self.verbose,
        )
        for p in potential.parameters():
            p.requires_grad_(False)
        self.potential_ = potential.eval()
        self.particles_ = particles
        self.history_ = history
        self.n_iter_ = len(history)
        self._report_conjugate_convergence(history)
        _check_not_diverged(particles, data)
        self.log_normalizer_ = _log_normalizer(potential, particles, gen)
        return self

    def _set_coordinates(self, X):
        """The fitted coordinates ``(X - mean_) / scale_`` and the constant features.

        Every decision here is scale-free, so that fitting ``c * X`` gives the same
        standardised data (up to rounding) as fitting ``X``: a feature is constant when
        its range is within a few ulps of its magnitude, and the standard deviation is
        computed on deviations rescaled by their maximum (no overflow of the squares).
        """
        d = X.shape[1]
        magnitude = np.abs(X).max(0)
        constant = (X.max(0) - X.min(0)) <= 4 * np.finfo(np.float64).eps * magnitude
        if constant.all():
            raise ValueError(
                "every feature of X is constant (X is a single repeated point): there is no distribution "
                "to fit; ConjugateMomentSampler needs at least one feature that varies."
            )
        if constant.any():
            warnings.warn(
                f"features {np.flatnonzero(constant).tolist()} of X are constant; they are left out of the "
                "fit and kept at their value in sample and inverse_transform (their latent coordinate is "
                "their value in the fitted coordinates, see the ConjugateMomentSampler docstring).",
                UserWarning,
                stacklevel=4,
            )
        self.constant_features_ = constant
        self.constant_values_ = X[0, constant].copy()
        center = self.standardize or self.factorization == "moment"
        self.mean_ = np.where(constant, X[0], X.mean(0)) if center else np.zeros(d)
        self.scale_ = np.ones(d)
        if self.standardize:
            varying = ~constant
            dev = X[:, varying] - self.mean_[varying]
            peak = np.abs(dev).max(0)
            self.scale_[varying] = peak * np.sqrt(np.mean((dev / peak) ** 2, 0))

    def _fit_coordinates(self, X):
        """The varying features of ``X`` in fitted coordinates (the potential's input)."""
        varying = ~self.constant_features_
        # C order: the inner L-BFGS views gradients as flat vectors
        return np.ascontiguousarray((X[:, varying] - self.mean_[varying]) / self.scale_[varying])

    def _report_conjugate_convergence(self, history):
        """One ConvergenceWarning per fit for the inner solvers (conjugate solves or Sinkhorn plans)."""
        self.n_conjugate_solves_ = int(sum(h["conjugate_solves"] for h in history))
        self.n_conjugate_unconverged_ = int(sum(h["conjugate_unconverged"] for h in history))
        self.conjugate_max_residual_ = float(max((h["conjugate_max_residual"] for h in history), default=0.0))
        if self.n_conjugate_unconverged_:
            warnings.warn(
                f"{self.n_conjugate_unconverged_} of the {self.n_conjugate_solves_} batched conjugate solves "
                f"of the semi-dual OT step stopped at the iteration cap ({min(20, self.conjugate_max_iter)} "
                f"L-BFGS iterations) above the tolerance ({100 * self.conjugate_tol:g}); largest "
                f"max |grad w(y) - x| = {self.conjugate_max_residual_:.3g}. The fit caps these warm-started "
                "solves at min(20, conjugate_max_iter) iterations and 100 * conjugate_tol: loosen "
                "conjugate_tol, or lower learning_rate (the potential then moves less between solves).",
                ConvergenceWarning,
                stacklevel=4,
            )
        self.n_sinkhorn_solves_ = int(sum(h["sinkhorn_solves"] for h in history))
        self.n_sinkhorn_unconverged_ = int(sum(h["sinkhorn_unconverged"] for h in history))
        self.sinkhorn_max_error_ = float(max((h["sinkhorn_max_error"] for h in history), default=0.0))
        if self.n_sinkhorn_unconverged_:
            warnings.warn(
                f"{self.n_sinkhorn_unconverged_} of the {self.n_sinkhorn_solves_} Sinkhorn solves of the OT "
                f"step stopped at 300 iterations with a relative marginal error above 1 % (largest "
                f"{self.sinkhorn_max_error_:.3g}); their plans are blurred regression targets. Raise "
                "sinkhorn_reg, or use ot_solver='emd'.",
                ConvergenceWarning,
                stacklevel=4,
            )

    def _gaussian_init(self, Xs):
        """Closed-form potential of the Gaussian with the data's mean and covariance."""
        d = Xs.shape[1]
        cov = np.atleast_2d(np.cov(Xs, rowvar=False))
        cov = cov + 1e-6 * np.trace(cov) / d * np.eye(d)  # relative jitter (scale-free)
        mean = Xs.mean(0)
        if self.factorization == "conjugate":
            latent_mean, latent_cov, _ = gaussian_conjugate_moment(mean, cov)
        else:
            latent_mean, latent_cov = np.zeros(d), np.linalg.inv(cov)
        evals, evecs = np.linalg.eigh(latent_cov)
        # floor the curvature at the strong-convexity term (exact unless the latent is very wide)
        precision = evecs @ np.diag(np.maximum(1.0 / evals, self.strong_convexity)) @ evecs.T
        return precision, latent_mean

    # -- coordinates -------------------------------------------------------
    @property
    def _n_features_out(self):
        """Latent dimension (``get_feature_names_out``): that of the data."""
        return self.n_features_in_

    def _data_tensor(self, X):
        """Validated data (feature names checked) -> tensor of its varying features, fitted coordinates."""
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return torch.as_tensor(self._fit_coordinates(X), dtype=_DTYPE, device=self._device())

    def _check_latent(self, Z):
        """Validated latent points; no feature-name check: latent coordinates are not the data's features."""
        Z = check_array(Z, dtype=np.float64)
        if Z.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {Z.shape[1]} features, but ConjugateMomentSampler is expecting "
                f"{self.n_features_in_} features as input."
            )
        return Z

    def _constant_latent(self):
        """Latent coordinates of the constant features: their value in fitted coordinates.

        For the conjugate factorisation this is the limit of the closed form: the latent
        of :math:`N(c, s^2)` is :math:`N(c / (1 + s^{2/3}), s^{2/3}) \\to \\delta_c`.
        """
        const = self.constant_features_
        return (self.constant_values_ - self.mean_[const]) / self.scale_[const]

    def _embed_latent(self, Z_fit):
        """Latent of the varying features (n, d_fit) -> full latent (n, n_features)."""
        Z = np.empty((len(Z_fit), self.n_features_in_))
        Z[:, ~self.constant_features_] = Z_fit
        Z[:, self.constant_features_] = self._constant_latent()
        return Z

    def _potential(self):
        return self.potential_.to(self._device())

    def _data_to_latent(self, Ys):
        w = self._potential()
        if self.factorization == "conjugate":
            return potential_gradient(w, Ys)[0]
        return conjugate_gradient(w, Ys, tol=self.conjugate_tol, max_iter=self.conjugate_max_iter)

    def _latent_to_data(self, Z):
        w = self._potential()
        if self.factorization == "conjugate":
            return conjugate_gradient(w, Z, tol=self.conjugate_tol, max_iter=self.conjugate_max_iter)
        return potential_gradient(w, Z)[0]

    def transform(self, X):
        """Map data to the latent space: :math:`\\nabla w(x)` (``"moment"``: :math:`\\nabla u^*`).

        With ``standardize=True`` (the default) :math:`w` is the potential of the
        *standardised* data, so this is the conjugate moment latent of the standardised
        data, not of :math:`\\rho` as given (see the class docstring and the user guide).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray of shape (n_samples, n_features)
            Latent coordinates (of the standardised data when ``standardize``).
        """
        check_is_fitted(self)
        Z_fit = to_numpy(self._data_to_latent(self._data_tensor(X)), np.float64)
        return self._embed_latent(Z_fit)

    def inverse_transform(self, X):
        """Map latent points to data: :math:`\\nabla w^*(z)` (``"moment"``: :math:`\\nabla u`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Latent points (feature names, if any, are not checked: the latent
            coordinates are not the data's features).

        Returns
        -------
        ndarray of shape (n_samples, n_features)
            Constant features of the training data come back at their value.
        """
        check_is_fitted(self)
        Z = self._check_latent(X)
        varying = ~self.constant_features_
        Zt = torch.as_tensor(np.ascontiguousarray(Z[:, varying]), dtype=_DTYPE, device=self._device())
        out = np.empty_like(Z)
        Y_fit = to_numpy(self._latent_to_data(Zt), np.float64)
        out[:, varying] = Y_fit * self.scale_[varying] + self.mean_[varying]
        out[:, self.constant_features_] = self.constant_values_
        return out

    def sample_latent(self, n_samples=1, random_state=None):
        """Draw latent points from :math:`e^{-w}` by Metropolis-adjusted Langevin chains.

        Chains start from the fitted persistent particles (drawn with
        replacement) and run MALA, which leaves :math:`e^{-w}` exactly
        invariant, at the fit's ``step_size``; during 50 burn-in steps the step
        is halved while the acceptance rate is below 0.9; then
        ``max(200, 10 * n_langevin_steps)`` steps follow, which decorrelate
        duplicated starting points (diffusion distance
        :math:`\\sqrt{2 \\tau k} = 2` standardised units at the defaults).
        The ``sampler`` parameter does not apply here (it chooses the fit's
        chains): the step adaptation needs MALA's acceptance rate, and MALA has
        no step-size bias. The step is never enlarged: for multimodal data :math:`w` is stiff
        (strongly curved where it maps the modes), and larger steps, even at
        acceptance rates above 0.99, gave clearly worse samples (sliced
        Wasserstein to validation data on the spiral: 0.19 at twice the step,
        0.13 at ``step_size``, 0.12 at half of it; docs/benchmarks/moment.md;
        ``benchmarks/moment/validate_defaults.py --table sampler``).

        Parameters
        ----------
        n_samples : int, default=1
        random_state : int, RandomState instance or None
            ``None`` uses the estimator's ``random_state``.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
            Constant features of the training data sit at their latent value
            (see ``transform``).
        """
        check_is_fitted(self)
        n_samples = _check_n_samples(n_samples)
        device = self._device()
        rs = self.random_state if random_state is None else random_state
        gen = torch_generator(draw_seed(check_random_state(rs)), device)
        particles = self.particles_.to(device)
        idx = torch.randint(len(particles), (n_samples,), generator=gen, device=device)
        w, z, step = self._potential(), particles[idx], self.step_size
        for _ in range(5):
            z, acceptance = langevin(w, z, step_size=step, n_steps=10, generator=gen, method="mala")
            if acceptance < 0.9:
                step = step / 2
        z, _ = langevin(
            w, z, step_size=step, n_steps=max(200, 10 * self.n_langevin_steps), generator=gen, method="mala"
        )
        return self._embed_latent(to_numpy(z, np.float64))

    def sample(self, n_samples=1, random_state=None):
        """Generate samples: MALA on :math:`e^{-w}` (see :meth:`sample_latent`), then :math:`\\nabla w^*`.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : int, RandomState instance or None
            ``None`` uses the estimator's ``random_state``.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        """
        Z = self.sample_latent(n_samples, random_state)
        return self.inverse_transform(Z)

    def score_samples(self, X):
        """Log-density of the model :math:`\\nabla w^* \\# e^{-w}` at ``X``.

        By the change of variables :math:`x = \\nabla w(y)`,

        .. math::  \\log \\rho(y) = -w(\\nabla w(y)) - \\log Z + \\log\\det \\nabla^2 w(y)
                   - \\textstyle\\sum_k \\log \\sigma_k,

        with exact autograd Hessians (``d`` backward passes), :math:`\\sigma` the
        standardisation scales and :math:`\\log Z = \\log \\int e^{-w}` estimated
        once in ``fit`` by importance sampling (20,000 draws from a Gaussian
        fitted to the particles). For ``"moment"``:
        :math:`\\log \\rho(y) = -u(x) - \\log Z - \\log\\det \\nabla^2 u(x)`,
        :math:`x = \\nabla u^*(y)`. This is the density of the model itself,
        not of the (slightly biased) Langevin sampler. Constant features of the
        training data (a Dirac mass) are left out: the density is that of the others.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        Ys = self._data_tensor(X)
        w = self._potential()
        if self.factorization == "conjugate":
            x = potential_gradient(w, Ys)[0]
            logdet = _log_det_hessian(w, Ys)
        else:
            x = self._data_to_latent(Ys)
            logdet = -_log_det_hessian(w, x)
        with torch.no_grad():
            out = -w(x) - self.log_normalizer_ + logdet
        return to_numpy(out, np.float64) - float(np.log(self.scale_).sum())

    def score(self, X, y=None):
        """Mean log-likelihood of ``X`` under the model (see :meth:`score_samples`)."""
        return float(np.mean(self.score_samples(X)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


def _check_n_samples(n_samples):
    # bool is an Integral in Python: sample(True) must not mean sample(1)
    if isinstance(n_samples, (bool, np.bool_)) or not isinstance(n_samples, Integral) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer; got {n_samples!r}.")
    return int(n_samples)


_DIVERGED = (
    "the fixed-point iteration diverged ({what}); lower learning_rate (or damping, step_size)."
)


def _check_not_diverged(particles, data):
    """Raise a clear error when the fit ended with overflowing or degenerate latent particles.

    Scale-free: the particles' root-mean-square is compared with that of the data (in the
    fitted coordinates) plus 1 (the initial latent N(0, I)); the latent of a
    well-posed fit lies within a few orders of magnitude of both
    (:math:`S^{1/3}` for the conjugate factorisation, :math:`S^{-1}` for the moment one).
    """
    if not torch.isfinite(particles).all():
        raise FloatingPointError(_DIVERGED.format(what="non-finite latent particles"))
    rms = float(particles.pow(2).mean().sqrt())
    reference = float(data.pow(2).mean().sqrt()) + 1.0
    if rms > 1e8 * reference:
        what = f"latent particles at scale {rms:.3g}, data at {reference:.3g}"
        raise FloatingPointError(_DIVERGED.format(what=what))
    if len(particles) > 1 and float(particles.var(0).min()) == 0.0:
        raise FloatingPointError(_DIVERGED.format(what="the latent particles collapsed onto one point"))


def _gaussian_sample(mean, precision, n, generator, device):
    r"""``n`` draws of :math:`N(\text{mean}, \text{precision}^{-1})`: the initial latent."""
    chol = np.linalg.cholesky(np.linalg.inv(precision))
    eps = torch.randn((n, len(mean)), generator=generator, device=device, dtype=_DTYPE)
    return torch.as_tensor(mean, dtype=_DTYPE, device=device) + eps @ torch.as_tensor(chol.T, dtype=_DTYPE, device=device)


def _log_det_hessian(potential, y, chunk=4096):
    out = []
    for start in range(0, len(y), chunk):
        yb = y[start : start + chunk].detach().requires_grad_(True)
        with torch.enable_grad():
            grad = torch.autograd.grad(potential(yb).sum(), yb, create_graph=True)[0]
            rows = [torch.autograd.grad(grad[:, k].sum(), yb, retain_graph=True)[0] for k in range(y.shape[1])]
        hess = torch.stack(rows, 1)
        out.append(torch.linalg.slogdet(0.5 * (hess + hess.transpose(1, 2)))[1].detach())
    return torch.cat(out) if out else torch.zeros(0, dtype=y.dtype, device=y.device)


def _log_normalizer(potential, particles, generator, n_draws=20000):
    """:math:`\\log \\int e^{-w}` by importance sampling from a widened Gaussian fit of the particles."""
    d = particles.shape[1]
    with torch.no_grad():
        mean = particles.mean(0)
        cov = torch.cov(particles.T).reshape(d, d) * 1.5
        # relative jitter: the latent's scale follows the data's when standardize=False
        eye = torch.eye(d, dtype=particles.dtype, device=particles.device)
        cov = cov + 1e-6 * float(torch.diagonal(cov).mean()) * eye
        if not torch.isfinite(cov).all() or torch.linalg.eigvalsh(cov).min() <= 0:
            raise FloatingPointError(_DIVERGED.format(what="the latent particles' covariance is degenerate"))
        q = torch.distributions.MultivariateNormal(mean, covariance_matrix=cov)
        eps = torch.randn((n_draws, d), generator=generator, device=particles.device, dtype=particles.dtype)
        x = mean + eps @ torch.linalg.cholesky(cov).T
        log_w = -potential(x) - q.log_prob(x)
        out = float(torch.logsumexp(log_w, 0) - math.log(n_draws))
    if not math.isfinite(out):
        raise FloatingPointError(_DIVERGED.format(what="log-normaliser of e^{-w} not finite"))
    return out
