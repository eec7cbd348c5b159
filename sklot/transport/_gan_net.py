"""The skorch net of LipschitzTransportMap: alternating critic / generator steps on sklot's engine."""

import torch
from torch import nn

from ..lipschitz._net import LipschitzNet
from ..lipschitz.layers import reproject_
from ..lipschitz.losses import kr

__all__ = ["GeneratorCritic", "TransportGANNet"]


class GeneratorCritic(nn.Module):
    """A generator ``T`` (the map) and a critic ``f`` (KR dual of W1); ``forward`` is ``T``."""

    def __init__(self, generator, critic):
        super().__init__()
        self.generator = generator
        self.critic = critic

    def forward(self, x):
        return self.generator(x)


class TransportGANNet(LipschitzNet):
    r""":class:`~sklot.lipschitz._net.LipschitzNet` whose training step is one round of the minimax game

    .. math::

        \min_{\mathrm{Lip}(T) \le L} \max_{\mathrm{Lip}(f) \le 1}
            \underbrace{\tfrac1m \textstyle\sum_j f(y_j) - \tfrac1n \sum_i f(T(x_i))}_{\widehat W_1}
            + \varepsilon\, \tfrac1n \textstyle\sum_i |x_i - T(x_i)|^2 .

    skorch's hook ``train_step`` is overridden (the loop, the iterator, the history and the
    callbacks are the engine's): for each minibatch of source samples (the iterator's), ``n_critic``
    ascent steps of the critic on fresh random source / target minibatches, then one descent step of
    the generator on the iterator's minibatch. Both optimisers are Adam with ``lr``; after each
    backward pass the stepped network's weights are reprojected onto the orthonormal manifold, as in
    every Lipschitz estimator. The epoch means of :math:`\widehat W_1` (generator steps) and of the
    transport cost are recorded in the history as ``"w1"`` and ``"transport_cost"``.

    With ``init_map=(A, b)`` the first ``n_init_epochs`` epochs are a warm start: the generator
    step regresses :math:`T(x)` on the affine map :math:`x A + b` (mean squared error) instead of
    descending the game (the critic steps are the game's, so the critic follows). The game then
    starts near that map rather than at a random network, whose pushforward can fall into a
    matching of the wrong clusters that the Lipschitz generator cannot undo.

    Fit with ``net.fit(X_source, None, target=Y)``: ``Y`` a tensor on the net's device.

    Parameters
    ----------
    n_critic : int
    cost_weight : float
        :math:`\varepsilon`.
    init_map : tuple of two tensors (A of shape (d, d), b of shape (d,)) or None
    n_init_epochs : int
    """

    def __init__(self, *args, n_critic=5, cost_weight=0.1, init_map=None, n_init_epochs=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.n_critic = n_critic
        self.cost_weight = cost_weight
        self.init_map = init_map
        self.n_init_epochs = n_init_epochs

    def initialize_optimizer(self, *args, **kwargs):
        gen = self.module_.generator.parameters()
        self.optimizer_ = self.optimizer(gen, **self._optimizer_kwargs())
        self.critic_optimizer_ = self.optimizer(self.module_.critic.parameters(), **self._optimizer_kwargs())
        return self

    def _optimizer_kwargs(self):
        kw = {k[len("optimizer__") :]: v for k, v in self.get_params().items() if k.startswith("optimizer__")}
        kw.setdefault("lr", self.lr)
        return kw

    def _draw(self, data, size):
        idx = torch.randint(len(data), (size,), generator=self.batch_generator_)
        return data[idx.to(data.device)]

    def _kr(self, y, tx):
        # the critic sees both samples in one forward (one Björck run, one stash for reproject_)
        values = self.module_.critic(torch.cat([y, tx]))
        labels = torch.cat([torch.ones(len(y), device=y.device), -torch.ones(len(tx), device=y.device)])
        return kr(values, labels)

    def train_step(self, batch, target=None, source=None, **fit_params):
        xb = batch[0]
        gen, critic = self.module_.generator, self.module_.critic
        self.module_.train()
        size = len(xb)
        for _ in range(self.n_critic):
            xs = self._draw(source, size) if source is not None else xb
            with torch.no_grad():
                tx = gen(xs)
            w1 = self._kr(self._draw(target, size), tx)
            self.critic_optimizer_.zero_grad()
            (-w1).backward()
            self._check_finite(w1)
            reproject_(critic)
            self.critic_optimizer_.step()
        tx = gen(xb)
        w1 = self._kr(self._draw(target, size), tx)
        cost = ((tx - xb) ** 2).sum(1).mean()
        if self.init_map is not None and len(self.history) <= self.n_init_epochs:
            A, b = self.init_map  # warm start: regress on the affine map
            loss = ((tx - (xb @ A + b)) ** 2).sum(1).mean()
        else:
            loss = w1 + self.cost_weight * cost
        self.optimizer_.zero_grad()
        loss.backward()
        self._check_finite(loss)
        reproject_(gen)
        self.optimizer_.step()
        self.history.record_batch("w1", float(w1.detach()))
        self.history.record_batch("transport_cost", float(cost.detach()))
        return {"loss": loss.detach(), "y_pred": tx.detach()}

    def _check_finite(self, value):
        v = float(value.detach())
        if v != v or v in (float("inf"), float("-inf")):
            self._diverged(f"the minimax objective became {v}")

    def on_epoch_end(self, net, **kwargs):
        super().on_epoch_end(net, **kwargs)
        for key in ("w1", "transport_cost"):
            values = self.history[-1, "batches", :, key]
            self.history.record(key, float(sum(values) / len(values)))


class ResidualMap(nn.Module):
    r"""Generator :math:`T(x) = x A + b + \lambda \tanh(a)\, h(x)`: an affine map plus a gated correction.

    ``A`` (d, d) and ``b`` (d,) are fixed buffers (the linear, Bures, map between the samples'
    moments), ``h`` a 1-Lipschitz network and ``a`` a scalar parameter initialised to 0, so that the
    map starts *exactly* at the affine one and the game only learns the correction. The Lipschitz
    bound is certified by the triangle inequality:
    :math:`\mathrm{Lip}(T) \le \|A\|_2 + \lambda |\tanh a|\, \mathrm{Lip}(h) \le \|A\|_2 + \lambda`.

    Parameters
    ----------
    A, b : torch.Tensor
    correction : torch.nn.Module
        ``h``, 1-Lipschitz (a ``sklot.lipschitz`` network, or its export).
    correction_constant : float
        :math:`\lambda \ge 0`.
    """

    def __init__(self, A, b, correction, correction_constant):
        super().__init__()
        self.register_buffer("A", torch.as_tensor(A).detach().clone())
        self.register_buffer("b", torch.as_tensor(b).detach().clone())
        self.correction = correction
        self.correction_constant = float(correction_constant)
        self.gate = nn.Parameter(torch.zeros((), dtype=self.A.dtype, device=self.A.device))

    def forward(self, x):
        return x @ self.A + self.b + self.correction_constant * torch.tanh(self.gate) * self.correction(x)

    @torch.no_grad()
    def lipschitz_bound(self):
        """Certified bound: exact :math:`\\|A\\|_2` plus the gated correction's bound."""
        from ..lipschitz._lipschitz_bound import lipschitz_bound

        linear = float(torch.linalg.matrix_norm(self.A.double(), ord=2))
        gate = abs(float(torch.tanh(self.gate.double())))
        return linear + self.correction_constant * gate * lipschitz_bound(self.correction)

    def exported(self):
        """The same map with ``h`` exported to plain torch layers (float64)."""
        from ..lipschitz._export import export

        out = ResidualMap(self.A.double(), self.b.double(), export(self.correction).double(),
                          self.correction_constant)
        with torch.no_grad():
            out.gate.copy_(self.gate.double())
        return out.eval()
