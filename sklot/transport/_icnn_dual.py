r"""An ICNN Brenier map fitted by the semi-dual of quadratic OT with an exact conjugate (a baseline).

For :math:`\mu, \nu` with finite second moments, the Brenier map is :math:`T^* = \nabla f^*_\star`
where the convex potential solves the semi-dual problem

.. math::

    \min_{f \text{ convex}} \; \mathbb{E}_{x\sim\mu} f(x) + \mathbb{E}_{y\sim\nu} f^*(y),
    \qquad f^*(y) = \max_x \langle x, y\rangle - f(x),

(:math:`\tfrac12 W_2^2(\mu,\nu) = \tfrac12 \mathbb{E}|x|^2 + \tfrac12 \mathbb{E}|y|^2` minus this
minimum; Villani 2003, Thm 2.9). With :math:`f` an input-convex network, the conjugate is computed
exactly by a batched inner solve :math:`x^*(y) = \arg\min_x f(x) - \langle x, y\rangle` and the
outer gradient follows from Danskin's theorem,
:math:`\nabla_\theta f^*(y) = -\nabla_\theta f(x^*(y))`: Taghvaei and Jalali (2019), "2-Wasserstein
approximation via restricted convex potentials", eq. (6) and Algorithm 1; Amos (2023), "On amortizing
convex conjugates for optimal transport", eq. (5) (his fine-tuned conjugate without the amortisation
model). :math:`\hat T = \nabla f`.

The pieces are sklot's: the potential is :class:`~sklot.moment._icnn.ICNNPotential` (strongly convex,
quadratic part), the inner solver :func:`~sklot.moment._conjugate.conjugate_gradient` (batched L-BFGS,
warm-started here from each target sample's previous maximiser), one semi-dual step is
:func:`~sklot.moment._fixed_point._semi_dual_steps`, and the loop is the engine's
(:class:`~sklot._core.training.SklotNet` with its ``train_step`` hook overridden). The potential
starts at the linear (Bures) map of the samples' moments, :math:`f(x) = \tfrac12 (x-c)^\top A (x-c)`,
so the fit only has to learn the non-linear part.

This is a benchmark baseline (``benchmarks/transport/bench_maps.py``), not a public estimator.
"""

import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning

from .._core.random import draw_seed
from .._core.schedules import CosineAnnealingPerStep
from .._core.training import SklotNet, make_net
from ..moment._conjugate import potential_gradient, quadratic_warm_start
from ..moment._fixed_point import _semi_dual_steps
from ..moment._icnn import ICNNPotential

__all__ = ["fit_icnn_brenier_map", "ICNNBrenierMap"]

_DTYPE = torch.float64


class BrenierSemiDualNet(SklotNet):
    r"""The engine's net whose training step is one semi-dual step on a source and a target minibatch.

    For the iterator's source minibatch :math:`x_{1..b}` and a random target minibatch :math:`y_{1..b}`
    (with their previous maximisers as warm starts), the step solves the conjugates and descends
    :math:`\frac1b \sum_i f(x_i) + \frac1b \sum_j \langle y_j, x^*_j\rangle - f(x^*_j)`.
    The epoch's loss is recorded as ``train_loss``; ``n_unconverged`` counts the inner solves that
    missed the tolerance. Fit with ``net.fit(X_source, None, target=Y)``.
    """

    def __init__(self, *args, quadratic_init=None, conjugate_tol=1e-4, conjugate_max_iter=50, **kwargs):
        super().__init__(*args, **kwargs)
        self.quadratic_init = quadratic_init
        self.conjugate_tol = conjugate_tol
        self.conjugate_max_iter = conjugate_max_iter

    def initialize_module(self):
        super().initialize_module()  # hidden layers drawn from the seed, quadratic part = identity
        self.module_ = self.module_.to(_DTYPE)
        if self.quadratic_init is not None:
            self.module_.init_quadratic(*self.quadratic_init)
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        self.warm_ = None
        self.n_unconverged_, self.n_solves_ = 0, 0

    def train_step(self, batch, target=None, **fit_params):
        xb = batch[0]
        if self.warm_ is None:
            # x*(y) of each target sample, kept across steps; first guess: the quadratic part's
            self.warm_ = quadratic_warm_start(self.module_, target)
        idx = torch.randint(len(target), (len(xb),), generator=self.batch_generator_).to(target.device)
        self.module_.train()
        loss, x_star, (n, n_bad, _) = _semi_dual_steps(
            self.module_, self.optimizer_, None, xb, target[idx], self.warm_[idx], 1,
            self.conjugate_tol, self.conjugate_max_iter,
        )
        self.warm_[idx] = x_star
        self.n_solves_ += n
        self.n_unconverged_ += n_bad
        if not np.isfinite(loss):
            raise ValueError(f"the semi-dual objective became {loss} in epoch {len(self.history)}; lower lr.")
        return {"loss": torch.tensor(loss), "y_pred": xb}


class ICNNBrenierMap:
    """A fitted ICNN Brenier map :math:`x \\mapsto s\\,\\nabla f((x - \\text{shift}) / s) + \\text{shift}`.

    Attributes
    ----------
    potential_ : ICNNPotential
        :math:`f` in standardised units (float64).
    shift_ : ndarray of shape (d,)
    scale_ : float
    history_ : list of dict
        One row per epoch (``train_loss``: the semi-dual objective in standardised units).
    """

    def __init__(self, potential, shift, scale, history):
        self.potential_ = potential
        self.shift_ = shift
        self.scale_ = scale
        self.history_ = history

    def transform(self, X):
        X = np.asarray(X, dtype=np.float64)
        Z = torch.as_tensor((X - self.shift_) / self.scale_, dtype=_DTYPE)
        outs = [potential_gradient(self.potential_, Z[s : s + 4096])[0] for s in range(0, len(Z), 4096)]
        return self.shift_ + self.scale_ * torch.cat(outs).detach().numpy()


def fit_icnn_brenier_map(
    X,
    Y,
    *,
    hidden_layer_sizes=(64, 64),
    max_epochs=30,
    batch_size=256,
    lr=1e-2,
    conjugate_tol=1e-4,
    conjugate_max_iter=50,
    random_state=None,
):
    """Fit :math:`\\hat T = \\nabla f` from source samples ``X`` (n, d) to target samples ``Y`` (m, d).

    Both samples are standardised by their pooled mean and scalar standard deviation (which commutes
    with the Brenier map); :math:`f` starts at the Bures map of the sample moments; Adam with
    ``lr`` decayed by a cosine over the fit, ``max_epochs`` passes over ``X``. A
    :class:`~sklearn.exceptions.ConvergenceWarning` (once, with counts) says when inner conjugate
    solves missed ``conjugate_tol``.

    Returns
    -------
    ICNNBrenierMap
    """
    import ot

    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"X and Y must be 2-D with the same number of features; got {X.shape} and {Y.shape}."
        )
    d = X.shape[1]
    both = np.vstack([X, Y])
    shift = both.mean(0)
    scale = float(np.sqrt(np.mean(np.var(both, axis=0))))
    Zx, Zy = (X - shift) / scale, (Y - shift) / scale
    # the Bures map of the moments, z -> A (z - m_x) + m_y = grad of 1/2 (z - c)^T A (z - c)
    A, b = ot.gaussian.empirical_bures_wasserstein_mapping(Zx, Zy)
    A = 0.5 * (np.asarray(A) + np.asarray(A).T)
    center = np.linalg.solve(A, -np.asarray(b).ravel())  # z A + b = (z - c) A
    alpha = min(0.1, 0.5 * float(np.linalg.eigvalsh(A)[0]))
    seed = draw_seed(random_state)
    sizes = tuple(int(h) for h in hidden_layer_sizes)

    def build():
        return ICNNPotential(d, sizes, rank=d, strong_convexity=alpha)

    net = make_net(
        build,
        torch.nn.Identity,  # unused: the loss is the semi-dual objective of BrenierSemiDualNet
        device=torch.device("cpu"),
        seed=seed,
        max_epochs=max_epochs,
        batch_size=min(batch_size, len(Zx)),
        lr=lr,
        net_class=BrenierSemiDualNet,
        quadratic_init=(A, center),
        conjugate_tol=conjugate_tol,
        conjugate_max_iter=conjugate_max_iter,
        optimizer_kwargs=dict(betas=(0.5, 0.9)),
        callbacks=[("lr_scheduler", CosineAnnealingPerStep())],
    )
    net.fit(Zx, None, target=torch.as_tensor(Zy, dtype=_DTYPE))
    if net.n_unconverged_:
        warnings.warn(
            f"{net.n_unconverged_} of {net.n_solves_} inner conjugate solves stopped above 10 x "
            f"conjugate_tol={conjugate_tol:g}; raise conjugate_max_iter.",
            ConvergenceWarning,
            stacklevel=2,
        )
    history = [{k: v for k, v in row.items() if k != "batches"} for row in net.history]
    return ICNNBrenierMap(net.module_.eval(), shift, scale, history)
