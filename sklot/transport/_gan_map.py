"""LipschitzTransportMap: an L-Lipschitz optimal transport map estimated by a GAN with Lipschitz networks."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils.metaestimators import available_if
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._core.base import TorchEstimatorMixin, TwoSampleMixin
from .._core.best_epoch import BestEpochRestore
from .._core.init import build_module
from .._core.random import draw_seed
from .._core.schedules import CosineAnnealingPerStep
from .._core.training import make_net
from .._core.validation import check_float32_resolution
from ..lipschitz._architectures import build_network
from ..lipschitz._export import export
from ..lipschitz._lipschitz_bound import lipschitz_bound
from ..lipschitz._validation import check_layer_sizes
from ._gan_net import GeneratorCritic, ResidualMap, TransportGANNet

__all__ = ["LipschitzTransportMap", "auto_cost_weight", "auto_lipschitz_constant"]

# "auto": the linear (Bures) map's operator norm times this factor, so that a map steeper than its
# best linear fit in places (a non-Gaussian pair) still lies in the generator class
AUTO_SAFETY_FACTOR = 1.5
# sliced W2 of score(): directions and their seed (fixed, so that score is a deterministic function)
SCORE_N_PROJECTIONS = 256
# MaxMin generator (cheap, universal among Lipschitz maps); FullSort critic, as WassersteinKR's, whose
# KR estimate is tighter for the same width. Adam's beta1 = 0.5 (the usual GAN setting): a long
# momentum follows a moving critic too late. The generator's step decays by a cosine over the whole
# fit: with a constant step the last iterate oscillates around the saddle point (measured on a 2-D
# Gaussian pair, n = 1000, 150 epochs, lr 3e-3: L2-UVP 8.0 % constant, 1.7 % cosine).
# init="linear": this fraction of max_epochs (at least one epoch) regresses the generator on the linear
# (Bures) map before the game starts
INIT_EPOCH_FRACTION = 0.1
GENERATOR_ACTIVATION = "maxmin"
CRITIC_ACTIVATION = "fullsort"
ADAM_BETAS = (0.5, 0.9)
# early_stopping: the per-epoch held-out criterion's history key
VALID_KEY = "valid_sliced_w2"
# cost_weight="auto": epsilon = min(AUTO_COST_WEIGHT, AUTO_COST_PULL / (2 r)), r the linear map's RMS
# displacement (standardised units): the cost term's pull 2 epsilon |T(x) - x| at that displacement stays at
# most AUTO_COST_PULL times the largest gradient a 1-Lipschitz critic can oppose to it
AUTO_COST_WEIGHT = 0.1
AUTO_COST_PULL = 0.75
# init="residual" needs L above the linear map's norm (times this) to leave the correction some room
RESIDUAL_MIN_RATIO = 1.0 + 1e-6


def split_held_out(Z, fraction, seed, name):
    """Rows of ``Z`` split at random into (training, held-out), ``round(fraction * n)`` held out.

    Raises a ``ValueError`` naming the sample when either part would have fewer than 2 rows.
    """
    n = len(Z)
    k = int(round(fraction * n))
    if k < 2 or n - k < 2:
        raise ValueError(
            f"early_stopping=True holds out validation_fraction={fraction} of {name}: {k} of its {n} "
            "samples, but both parts need at least 2; pass more samples, a larger validation_fraction "
            "or early_stopping=False."
        )
    order = np.random.default_rng(seed).permutation(n)
    return Z[np.sort(order[k:])], Z[np.sort(order[:k])]


def held_out_sliced_w2(Zs_valid, Zt_valid, device):
    r"""The early-stopping criterion: ``net -> SW_2(G # Zs_valid, Zt_valid)`` (score's directions)."""
    import ot
    import torch

    source = torch.as_tensor(Zs_valid, device=device)
    target = np.asarray(Zt_valid, dtype=np.float64)

    def criterion(net):
        pushed = net.module_.generator(source).double().cpu().numpy()
        distance = ot.sliced_wasserstein_distance(pushed, target, n_projections=SCORE_N_PROJECTIONS, seed=0)
        return float(distance)

    return criterion


def auto_lipschitz_constant(X, Y, safety_factor=AUTO_SAFETY_FACTOR):
    r"""The data-driven generator constant of ``lipschitz_constant="auto"``.

    :math:`L = c\,\|\hat A\|_2` where :math:`\hat A` is the Bures map matrix between the sample
    means and covariances of ``X`` and ``Y`` (``ot.gaussian.empirical_bures_wasserstein_mapping``;
    exact OT map when both are Gaussian) and :math:`c` = ``safety_factor`` (1.5): the consistency
    theorem needs :math:`L \ge \mathrm{Lip}(T^*)`, and a non-Gaussian :math:`T^*` can be steeper
    than its linear fit.
    """
    import ot

    X, Y = np.asarray(X, np.float64), np.asarray(Y, np.float64)
    A, _ = ot.gaussian.empirical_bures_wasserstein_mapping(X, Y)
    return float(safety_factor * np.linalg.norm(np.asarray(A), ord=2))


def auto_cost_weight(Zs, A, b, base=AUTO_COST_WEIGHT, pull=AUTO_COST_PULL):
    r"""The cost weight of ``cost_weight="auto"``: :math:`\min(\varepsilon_0, \kappa / (2 r))`.

    :math:`r = (\frac1n \sum_i |x_i A + b - x_i|^2)^{1/2}` is the RMS displacement of the linear
    (Bures) map ``(A, b)`` on the (standardised) source sample ``Zs``, :math:`\varepsilon_0` =
    ``base`` (0.1) and :math:`\kappa` = ``pull`` (3/4). Why: at a stationary point of the generator's
    objective :math:`\widehat W_1(T\#\mu_n, \nu_m) + \varepsilon \frac1n\sum_i |x_i - T(x_i)|^2`
    each point's gradient balances, :math:`\nabla f(T(x_i)) = 2\varepsilon\,(T(x_i) - x_i)`, and a
    1-Lipschitz critic has :math:`|\nabla f| \le 1`: no map displacing a point by more than
    :math:`1 / (2\varepsilon)` can be stationary (exactly so for a generator free to move each point;
    a network's stationarity averages these conditions), and the game contracts the map toward the
    identity once the target map's displacements approach that limit. The cap keeps the cost term's pull at
    the linear map's RMS displacement at most :math:`\kappa` times the critic's largest gradient;
    where :math:`r \le \kappa / (2 \varepsilon_0)` = 3.75 it is :math:`\varepsilon_0` itself.

    Parameters
    ----------
    Zs : array-like of shape (n, d)
        The source sample, in the estimator's standardised units.
    A : array-like of shape (d, d)
    b : array-like of shape (d,)
        The linear map :math:`x \mapsto x A + b`.
    base : float, default=0.1
    pull : float, default=0.75

    Returns
    -------
    float
    """
    Zs = np.asarray(Zs, np.float64)
    displacement = Zs @ np.asarray(A, np.float64) + np.asarray(b, np.float64) - Zs
    rms = float(np.sqrt(np.mean(np.sum(displacement**2, axis=1))))
    if rms * base <= pull / 2:
        return float(base)
    return float(pull / (2 * rms))


class LipschitzTransportMap(TwoSampleMixin, TorchEstimatorMixin, TransformerMixin, BaseEstimator):
    r"""Optimal transport map between two samples, estimated by a GAN with Lipschitz networks.

    González-Sanz, De Lara, Béthune and Loubes (2022), "GAN estimation of Lipschitz optimal
    transport maps" (arXiv 2202.07965). The generator :math:`T` ranges over L-Lipschitz
    GroupSort networks with orthonormal (Björck) layers, the critic :math:`f` over 1-Lipschitz
    ones, and the fit solves

    .. math::

        \hat T \in \arg\min_{\mathrm{Lip}(T) \le L} \; \widehat W_1(T\#\mu_n, \nu_m)
            + \varepsilon\, \frac1n \sum_i |x_i - T(x_i)|^2,
        \qquad
        \widehat W_1 = \max_{\mathrm{Lip}(f)\le 1} \frac1m \sum_j f(y_j) - \frac1n \sum_i f(T(x_i))

    (Kantorovich-Rubinstein dual), alternating ``n_critic`` critic ascent steps and one generator
    descent step. Among the maps that push :math:`\mu` onto :math:`\nu` the cost term selects the
    one of least quadratic cost, the Monge / Brenier map; a finite :math:`\varepsilon` biases
    :math:`\hat T` toward the identity, so :math:`\varepsilon` should shrink as ``n`` grows.

    Both samples are first shifted by their pooled mean and divided by their pooled (scalar)
    standard deviation ``s``; the networks work in these units and :math:`T` is mapped back, which
    changes neither Lipschitz constant. ``cost_weight`` is :math:`\varepsilon` in these units, so
    the estimator is equivariant under translating and scaling the data.

    Parameters
    ----------
    lipschitz_constant : float or "auto", default="auto"
        :math:`L`, the generator's Lipschitz constant. ``"auto"``: 1.5 times the operator norm of
        the linear (Bures) map between the samples' means and covariances
        (:func:`auto_lipschitz_constant`).
    hidden_layer_sizes : tuple of int, default=(64, 64)
        Widths of the hidden layers of the generator and of the critic (even, for MaxMin).
    cost_weight : float >= 0 or "auto", default="auto"
        :math:`\varepsilon`. ``"auto"`` (:func:`auto_cost_weight`):
        :math:`\min(0.1, 3 / (8 r))` with :math:`r` the RMS displacement of the linear (Bures) map
        on the standardised source sample, i.e. 0.1 unless the map moves points by more than 3.75
        standardised units on average. Why: at a stationary point of the generator's objective each
        point's gradient balances, :math:`\nabla f(T(x_i)) = 2\varepsilon (T(x_i) - x_i)`, and the
        critic is 1-Lipschitz, so no point can move by more than :math:`1 / (2\varepsilon)`; where the
        target map's displacements approach that limit the game contracts the map toward the identity
        (16-D ``mixture_hard`` pairs: with 0.1 the map ended above the linear map on 3 of 10 validation
        pairs, those whose exact map moves the most points by more than 5; with ``"auto"`` below it
        on all 10; ``benchmarks/transport/tune_defaults.txt``). The cap keeps the cost term's pull at
        the displacement :math:`r` at most 3/4 of the largest gradient the critic can oppose to it.
    n_critic : int, default=5
        Critic steps per generator step.
    init : {"residual", "linear", "random"}, default="residual"
        The generator's form and where the game starts. ``"residual"``:
        :math:`T(x) = x A + b + (L - \|A\|_2) \tanh(a)\, h(x)` with :math:`(A, b)` the linear
        (Bures) map between the samples' moments, :math:`h` a 1-Lipschitz MaxMin network and the
        gate :math:`a` starting at 0 (:class:`~sklot.transport._gan_net.ResidualMap`): the game
        starts exactly at the linear map and learns a correction; the bound is
        :math:`\|A\|_2 + (L - \|A\|_2)|\tanh a|\,\mathrm{Lip}(h) \le L`. A plain orthonormal
        network regressed on an anisotropic linear map stays visibly off it (measured, 8-D mixture
        pair seed 1, n = 2000: L2-UVP 2.8 % after 6 of the 10 warm-start epochs against 0.84 % for
        the linear map, 1.57 % at the end; 0.75 % residual). If :math:`L \le \|A\|_2` there is no room for a
        correction and ``"residual"`` falls back to ``"linear"``. ``"linear"``: the first 10 % of the
        epochs (at least one) regress the
        generator on the linear (Bures) map between the samples' moments (mean squared error; the
        critic plays meanwhile), then the game runs from there. ``"random"``: from the random
        network. From a random start the pushforward can settle on a matching of the wrong clusters
        of a multimodal pair, which a Lipschitz generator cannot undo (measured on the 2-D mixture
        pair of :func:`~sklot.datasets.make_transport_pair`, n = 400 to 1,600: L2-UVP 26 to 42 %
        from a random start).
    bidirectional : bool, default=False
        Also fit the map from the target to the source (the same game, samples swapped, its own
        seed) and give :meth:`inverse_transform` (asked for by POT users, POT issue #193). Doubles
        the fit time.
    max_epochs : int, default=100
        Passes over the source sample (one generator step per minibatch).
    batch_size : int, default=256
        Minibatch size of both samples (capped by the source size).
    lr : float, default=3e-3
        Adam's initial step size, for both networks; the generator's decays to 0 by a cosine over
        the fit's steps.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of each sample (at random, before anything is fitted, the
        linear start included), evaluate the held-out criterion
        :math:`\mathrm{SW}_2(\hat T \# X_{\text{valid}}, Y_{\text{valid}})` (sliced W2 in
        standardised units, :meth:`score`'s 256 directions) before the first epoch and after each
        one, and end the fit at the weights of its lowest value
        (:class:`~sklot._core.best_epoch.BestEpochRestore`). All ``max_epochs`` run (the game's
        curve is not monotone: a few epochs without improvement do not mean that none will come);
        the start counts as a candidate, so the fitted map is never worse on the held-out criterion
        than the linear map it starts from (``init="residual"``). Not the default: the criterion
        tracks the map error only loosely, and on validation pairs (``mixture_hard``, d = 16, pair
        seeds 1 / 2, n = 4000) the option (with ``cost_weight=0.1``) ended at L2-UVP 2.07 / 2.40 %
        against 1.97 / 2.01 % without it (linear map 3.70 / 2.38 %;
        ``benchmarks/transport/tune_defaults.txt``).
    validation_fraction : float in (0, 1), default=0.1
        Fraction of each sample held out when ``early_stopping=True`` (at least 2 rows of each,
        and 2 left to train on, else a ``ValueError``).
    device : {"auto", "cpu", "cuda"} or torch.device, default="auto"
    random_state : int, RandomState instance or None, default=None
        Seeds both networks' weights and every minibatch.
    verbose : int, default=0
        1 prints skorch's per-epoch table (generator loss, ``w1``, ``transport_cost``).

    Attributes
    ----------
    generator_ : torch.nn.Module
        The fitted map in standardised units, exported to plain torch layers (float64).
    critic_ : torch.nn.Module
        The fitted critic (standardised units), exported, float64.
    lipschitz_constant_ : float
        The :math:`L` used (``"auto"`` resolved).
    cost_weight_ : float
        The :math:`\varepsilon` used (``"auto"`` resolved).
    lipschitz_bound_ : float
        Certified Lipschitz bound of :meth:`transform`: the product of the exact spectral norms of
        the generator's layers (never above ``lipschitz_constant_`` beyond float rounding).
    history_ : list of dict
        One row per epoch: ``train_loss`` (generator objective; the regression error during the
        ``init="linear"`` epochs), ``w1`` (critic's KR estimate of
        :math:`W_1(T\#\mu, \nu)` in standardised units) and ``transport_cost``
        (:math:`\frac1n\sum_i |x_i - T(x_i)|^2`, standardised units); with ``early_stopping``
        also ``valid_sliced_w2`` (the held-out criterion after the epoch).
    validation_curve_ : ndarray of shape (``n_iter_`` + 1,)
        ``early_stopping=True`` only: the held-out criterion before training (entry 0) and after
        each epoch.
    best_epoch_ : int
        ``early_stopping=True`` only: index into ``validation_curve_`` of the returned map (0: the
        starting map).
    inverse_generator_, inverse_critic_, inverse_history_ : as above, for the map from Y to X
        Only with ``bidirectional=True``; so are ``inverse_lipschitz_constant_``,
        ``inverse_cost_weight_``, ``inverse_lipschitz_bound_`` (and ``inverse_validation_curve_``,
        ``inverse_best_epoch_``).
    shift_ : ndarray of shape (n_features,)
    scale_ : float
        The standardisation: :math:`T(x) = \text{shift} + s\, G((x - \text{shift}) / s)`.
    n_features_in_ : int

    Notes
    -----
    ``fit(X, Y)`` takes the two samples where a supervised estimator takes ``(X, y)``; ``n`` and
    ``m`` may differ. ``GridSearchCV`` (samples of equal size, split row by row) scores each split
    with :meth:`score`.

    Examples
    --------
    >>> from sklot import LipschitzTransportMap
    >>> from sklot.datasets import make_transport_pair
    >>> from sklot.transport import l2_uvp
    >>> src, tgt, T = make_transport_pair("gaussian", n_features=2, random_state=0)
    >>> X, Y = src(500, rng=0), tgt(500, rng=1)
    >>> m = LipschitzTransportMap(max_epochs=20, random_state=0).fit(X, Y)
    >>> m.lipschitz_bound_ <= m.lipschitz_constant_ * (1 + 1e-6)
    True
    """

    _parameter_constraints = {
        "lipschitz_constant": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "hidden_layer_sizes": ["array-like"],
        "cost_weight": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "n_critic": [Interval(Integral, 1, None, closed="left")],
        "init": [StrOptions({"residual", "linear", "random"})],
        "bidirectional": ["boolean"],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "device": [str, object],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        lipschitz_constant="auto",
        hidden_layer_sizes=(64, 64),
        cost_weight="auto",
        n_critic=5,
        init="residual",
        bidirectional=False,
        max_epochs=100,
        batch_size=256,
        lr=3e-3,
        early_stopping=False,
        validation_fraction=0.1,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.lipschitz_constant = lipschitz_constant
        self.hidden_layer_sizes = hidden_layer_sizes
        self.cost_weight = cost_weight
        self.n_critic = n_critic
        self.init = init
        self.bidirectional = bidirectional
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # -- inputs --------------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, Y):
        """Fit the map from source samples ``X`` (n, d) to target samples ``Y`` (m, d).

        Returns
        -------
        self
        """
        X, Y = self._check_two_samples(X, Y, reset=True, min_samples=2)
        hidden = check_layer_sizes(self.hidden_layer_sizes, default=(64, 64))
        self.lipschitz_constant_ = self._resolve_constant(X, Y)
        both = np.vstack([X, Y])
        self.shift_ = both.mean(0)
        scale = float(np.sqrt(np.mean(np.var(both, axis=0))))
        if not scale > 0:
            raise ValueError("X and Y are one repeated point: there is no map to estimate.")
        self.scale_ = scale
        Zx = ((X - self.shift_) / scale).astype(np.float32)
        Zy = ((Y - self.shift_) / scale).astype(np.float32)
        check_float32_resolution(Zx, "X")
        check_float32_resolution(Zy, "Y")
        seed = draw_seed(self.random_state)
        self.generator_, self.critic_, self.history_, restore, self.cost_weight_ = self._fit_direction(
            Zx, Zy, self.lipschitz_constant_, hidden, seed
        )
        self.n_iter_ = len(self.history_)
        self._set_validation_attributes("", restore)
        self.lipschitz_bound_ = lipschitz_bound(self.generator_)
        if self.bidirectional:
            # the map from nu to mu: the same game with the samples swapped, its own seed
            self.inverse_lipschitz_constant_ = self._resolve_constant(Y, X)
            inverse = self._fit_direction(
                Zy, Zx, self.inverse_lipschitz_constant_, hidden, seed + 7, names=("Y", "X")
            )
            self.inverse_generator_, self.inverse_critic_, self.inverse_history_, restore = inverse[:4]
            self.inverse_cost_weight_ = inverse[4]
            self.inverse_lipschitz_bound_ = lipschitz_bound(self.inverse_generator_)
            self._set_validation_attributes("inverse_", restore)
        else:
            for name in ("inverse_generator_", "inverse_critic_", "inverse_history_", "inverse_cost_weight_"):
                self.__dict__.pop(name, None)
            self._set_validation_attributes("inverse_", None)
        return self

    def _set_validation_attributes(self, prefix, restore):
        names = (prefix + "validation_curve_", prefix + "best_epoch_")
        if restore is None:
            for name in names:
                self.__dict__.pop(name, None)
            return
        setattr(self, names[0], np.asarray(restore.curve_, dtype=np.float64))
        setattr(self, names[1], int(restore.best_epoch_))

    def _resolve_constant(self, X, Y):
        if isinstance(self.lipschitz_constant, str):  # "auto"
            return auto_lipschitz_constant(X, Y)
        return float(self.lipschitz_constant)

    def _resolve_cost_weight(self, Zs, A, b):
        """``cost_weight``, ``"auto"`` resolved on the linear map ``(A, b)`` of the standardised ``Zs``."""
        if self.cost_weight != "auto":
            return float(self.cost_weight)
        return auto_cost_weight(Zs, A, b)

    def _fit_direction(self, Zs, Zt, L, hidden, seed, names=("X", "Y")):
        """Train the generator / critic game from standardised ``Zs`` to ``Zt``.

        Returns the exported float64 generator and critic, the history, the
        :class:`~sklot._core.best_epoch.BestEpochRestore` callback (None without early stopping) and
        the cost weight used.
        """
        import torch

        d = Zs.shape[1]

        device = self._device()
        callbacks = [("lr_scheduler", CosineAnnealingPerStep())]
        restore = None
        if self.early_stopping:
            # held out before anything is fitted (the linear start included), so that the criterion
            # judges every epoch, the start too, on samples none of them saw
            Zs, Zs_valid = split_held_out(Zs, self.validation_fraction, seed, names[0])
            Zt, Zt_valid = split_held_out(Zt, self.validation_fraction, seed + 1, names[1])
            restore = BestEpochRestore(held_out_sliced_w2(Zs_valid, Zt_valid, device), key=VALID_KEY)
            callbacks.append(("best_epoch", restore))
        A = b = None
        if self.init in ("linear", "residual") or self.cost_weight == "auto":
            import ot

            A, b = (
                np.asarray(a, np.float32)
                for a in ot.gaussian.empirical_bures_wasserstein_mapping(
                    Zs.astype(np.float64), Zt.astype(np.float64)
                )
            )
        cost_weight = self._resolve_cost_weight(Zs, A, b)
        if self.init == "random":
            A = b = None
        # residual: T = linear map + a correction of constant L - ||A||_2 (certified: the sum of both);
        # a constant not above the linear map's norm leaves no room for it: the plain generator then
        residual = self.init == "residual" and L > RESIDUAL_MIN_RATIO * float(np.linalg.norm(A, ord=2))

        def build():
            net_kw = dict(input_shape=(d,), hidden_layer_sizes=hidden, head="orthonormal")
            if residual:
                generator = ResidualMap(
                    torch.as_tensor(A),
                    torch.as_tensor(b),
                    build_network(
                        "mlp", n_outputs=d, activation=GENERATOR_ACTIVATION, lipschitz_constant=1.0, **net_kw
                    ),
                    L - float(np.linalg.norm(A, ord=2)),
                )
            else:
                generator = build_network(
                    "mlp", n_outputs=d, activation=GENERATOR_ACTIVATION, lipschitz_constant=L, **net_kw
                )
            critic = build_network(
                "mlp", n_outputs=1, activation=CRITIC_ACTIVATION, lipschitz_constant=1.0, **net_kw
            )
            return GeneratorCritic(generator, critic)

        init_kw = {}
        if A is not None:
            # warm start: the generator regresses on the linear map (residual: it starts there, and
            # these epochs let the critic catch up before the game moves the correction)
            init_kw = dict(
                init_map=tuple(torch.as_tensor(a, device=device) for a in (A, b)),
                n_init_epochs=max(1, int(round(INIT_EPOCH_FRACTION * self.max_epochs))),
            )
        net = make_net(
            build_module(build, seed),
            torch.nn.Identity,  # unused: the loss is the minimax objective of TransportGANNet
            device=device,
            seed=seed,
            max_epochs=self.max_epochs,
            batch_size=min(self.batch_size, len(Zs)),
            lr=self.lr,
            verbose=self.verbose,
            net_class=TransportGANNet,
            n_critic=self.n_critic,
            cost_weight=cost_weight,
            optimizer_kwargs=dict(betas=ADAM_BETAS),
            callbacks=callbacks,
            **init_kw,
        )
        source = torch.as_tensor(Zs, device=device)
        net.fit(Zs, None, target=torch.as_tensor(Zt, device=device), source=source)
        module = net.module_.eval()
        history = [{k: v for k, v in row.items() if k != "batches"} for row in net.history]
        generator = module.generator.exported() if residual else export(module.generator).double()
        return generator, export(module.critic).double(), history, restore, cost_weight

    # -- the map -------------------------------------------------------------------------------
    def transform(self, X):
        """The fitted map :math:`\\hat T(x)`, shape (n, n_features)."""
        check_is_fitted(self)
        return self._apply("generator_", X)

    @available_if(lambda self: self.bidirectional)
    def inverse_transform(self, Y):
        """The fitted map from the target to the source, shape (m, n_features); ``bidirectional=True`` only.

        A separate L-Lipschitz generator fitted by the same game with the samples swapped (not the
        inverse function of :meth:`transform`, which need not exist in the generator class).
        """
        check_is_fitted(self)
        if not self.bidirectional or not hasattr(self, "inverse_generator_"):
            raise ValueError(
                "inverse_transform needs a map fitted with bidirectional=True; this one was fitted with "
                "bidirectional=False (refit it)."
            )
        return self._apply("inverse_generator_", Y)

    def _apply(self, attr, X):
        import torch

        X = validate_data(self, X, dtype=np.float64, reset=False)
        device = self._device()
        mod = getattr(self, attr)
        if next(mod.parameters()).device != device:
            mod = mod.to(device)
            setattr(self, attr, mod)
        Z = (X - self.shift_) / self.scale_
        outs = []
        with torch.no_grad():
            for start in range(0, len(Z), 4096):
                zb = torch.as_tensor(Z[start : start + 4096], dtype=torch.float64, device=device)
                outs.append(mod(zb).cpu().numpy())
        out = np.concatenate(outs) if outs else np.zeros((0, X.shape[1]))
        return self.shift_ + self.scale_ * out

    def score(self, X, Y):
        r"""Minus the sliced Wasserstein-2 distance between :math:`\hat T \# X` and ``Y`` (higher is better).

        ``ot.sliced_wasserstein_distance`` with 256 directions drawn from a fixed seed, so that the
        score is a deterministic function of its arguments (``GridSearchCV`` compares candidates on
        the same directions).
        """
        import ot

        check_is_fitted(self)
        X, Y = self._check_two_samples(X, Y, reset=False, min_samples=2)
        TX = self.transform(X)
        return -float(ot.sliced_wasserstein_distance(TX, Y, n_projections=SCORE_N_PROJECTIONS, seed=0))
