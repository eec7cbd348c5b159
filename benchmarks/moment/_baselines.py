"""Baselines of the moment benchmark: a fitted Gaussian and an ICNN Brenier generator.

The ICNN Brenier generator (Gaussian latent + convex map, e.g. Makkuva et al. 2020,
Korotin et al. 2021) learns a convex potential phi with grad phi # N(0, I) = rho, with
one of two OT steps:

* ``ot_step="regression"`` (the benchmark's baseline until 2026-12-01): each step draws
  z ~ N(0, I), matches it to a data batch by exact OT and regresses grad phi(z) on the
  matched points. This is a *weaker* step than sklot's default (the regression constrains
  grad phi only at the latent draws);
* ``ot_step="semi_dual"``: the same step as sklot's default ``ot_solver="neural_dual"``,
  Adam on the semi-dual min_phi E_z phi(z) + E_y phi*(y) with phi*(y) from sklot's inner
  L-BFGS conjugate solver (same tolerance 1e-3 and cap of 20 iterations as sklot's fit) and
  Danskin's gradient; ``4 x batch_size`` latent draws for the cheap term (sklot's
  ``batch_size="auto"``) and ``batch_size`` data points for the conjugate term (sklot solves
  its conjugates at its 256 particles). Data batches change at every step, so the solves
  start from the quadratic part's closed form instead of sklot's warm start.

It is minibatch training of a module, so it runs on sklot's engine
(``sklot._core.training.make_net``).
"""

import numpy as np
import torch

from sklot._core.training import TailAveraging, make_net
from sklot.moment import ICNNPotential, barycentric_targets, conjugate_gradient, potential_gradient


class GaussianBaseline:
    def fit(self, X):
        self.mean_, self.cov_ = X.mean(0), np.cov(X.T)
        return self

    def sample(self, n, random_state=0):
        return np.random.default_rng(random_state).multivariate_normal(self.mean_, self.cov_, size=n)


class _BrenierRegression(torch.nn.Module):
    """forward(data batch) -> (grad phi(z), OT-matched data) for z ~ N(0, I)."""

    def __init__(self, n_features, hidden_layer_sizes):
        super().__init__()
        self.phi = ICNNPotential(n_features, hidden_layer_sizes, rank=max(1, n_features - 1))

    def reset_parameters(self):
        self.phi.reset_parameters()

    def forward(self, y):
        z = torch.randn(y.shape, dtype=y.dtype, device=y.device)
        target = barycentric_targets(z, y, solver="emd")
        grad, _ = potential_gradient(self.phi, z, create_graph=True)
        return grad, target.detach()


class _BrenierSemiDual(torch.nn.Module):
    """forward(data batch) -> semi-dual loss E_z phi(z) + E_y phi*(y) at fixed maximisers (Danskin)."""

    def __init__(
        self, n_features, hidden_layer_sizes, latent_factor=4, conjugate_tol=1e-3, conjugate_max_iter=20
    ):
        super().__init__()
        self.phi = ICNNPotential(n_features, hidden_layer_sizes, rank=max(1, n_features - 1))
        self.latent_factor = latent_factor
        self.conjugate_tol, self.conjugate_max_iter = conjugate_tol, conjugate_max_iter

    def reset_parameters(self):
        self.phi.reset_parameters()

    def forward(self, y):
        z = torch.randn((self.latent_factor * len(y), y.shape[1]), dtype=y.dtype, device=y.device)
        x_star = conjugate_gradient(
            self.phi, y, tol=self.conjugate_tol, max_iter=self.conjugate_max_iter, warn=False
        )
        # phi*(y) = <y, x*> - phi(x*); only -phi(x*) depends on the parameters at fixed x*
        return self.phi(z).mean() + ((y * x_star).sum(-1) - self.phi(x_star)).mean()


class _IdentityLoss(torch.nn.Module):
    def forward(self, loss):
        return loss


class _MatchLoss(torch.nn.Module):
    def forward(self, pred):
        grad, target = pred
        return ((grad - target) ** 2).sum(-1).mean()


class BrenierICNNGenerator:
    def __init__(
        self, hidden_layer_sizes=(64, 64), n_steps=3000, batch_size=256, lr=1e-2, seed=0, averaging=0.0,
        ot_step="regression",
    ):
        self.hidden_layer_sizes, self.n_steps, self.batch_size, self.lr, self.seed = (
            hidden_layer_sizes, n_steps, batch_size, lr, seed)
        self.averaging = averaging
        if ot_step not in ("regression", "semi_dual"):
            raise ValueError(f"ot_step must be 'regression' or 'semi_dual'; got {ot_step!r}")
        self.ot_step = ot_step

    def fit(self, X):
        self.mean_, self.scale_ = X.mean(0), X.std(0)
        Xs = (X - self.mean_) / self.scale_
        batches = int(np.ceil(len(X) / self.batch_size))
        torch.manual_seed(self.seed)
        epochs = max(1, self.n_steps // batches)
        callbacks = None
        if self.averaging:
            callbacks = [("tail_averaging", TailAveraging(self.averaging, epochs * batches))]
        if self.ot_step == "regression":
            module, loss = _BrenierRegression(X.shape[1], self.hidden_layer_sizes), _MatchLoss
        else:
            module, loss = _BrenierSemiDual(X.shape[1], self.hidden_layer_sizes), _IdentityLoss
        self.net_ = make_net(
            module.double(),
            loss,
            device=torch.device("cpu"),
            seed=self.seed,
            max_epochs=epochs,
            callbacks=callbacks,
            batch_size=self.batch_size,
            lr=self.lr,
            optimizer_kwargs={"betas": (0.5, 0.5)},
        )
        self.net_.fit(Xs.astype(np.float64), None)
        return self

    def sample(self, n, random_state=0):
        g = torch.Generator().manual_seed(random_state)
        z = torch.randn(n, len(self.mean_), generator=g, dtype=torch.float64)
        x, _ = potential_gradient(self.net_.module_.phi, z)
        return x.numpy() * self.scale_ + self.mean_
