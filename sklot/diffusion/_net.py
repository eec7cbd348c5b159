r"""The skorch net of DiffusionGenerator: the denoising score-matching step on sklot's engine."""

import math

import torch
from skorch.dataset import unpack_data

from .._core.training import SklotNet

__all__ = ["DiffusionNet"]


class DiffusionNet(SklotNet):
    r""":class:`~sklot._core.training.SklotNet` whose training step is the DDPM noise-prediction loss

    .. math::

        \mathcal L(\theta) = \mathbb E_{x_0, t, \varepsilon}\,
            \big\lVert \varepsilon - \hat\varepsilon_\theta\big(\sqrt{\bar\alpha_t}\,x_0
            + \sqrt{1-\bar\alpha_t}\,\varepsilon,\ t,\ \tilde y\big)\big\rVert^2

    (Ho et al. 2020, eq. 14), :math:`t` uniform on :math:`\{0, \dots, T-1\}`. With labels, each label
    is replaced by the "no class" index with probability ``class_dropout``, which trains the
    unconditional branch of classifier-free guidance (Ho & Salimans 2022). Only
    ``train_step_single`` is overridden: the loop, iterator, optimiser, history and callbacks are the
    engine's; :math:`t`, :math:`\varepsilon` and the label dropout are drawn from the net's own
    minibatch generator (on the CPU, so the same seed gives the same draws on every device).

    Parameters
    ----------
    alphas_bar : sequence of float
        :math:`\bar\alpha_t`, ``t = 0, ..., T-1``.
    n_classes : int
        0 for an unconditional model.
    class_dropout : float
    """

    def __init__(self, *args, alphas_bar=(), n_classes=0, class_dropout=0.1, **kwargs):
        super().__init__(*args, **kwargs)
        self.alphas_bar = alphas_bar
        self.n_classes = n_classes
        self.class_dropout = class_dropout

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        x0, y = unpack_data(batch)
        n = len(x0)
        g = self.batch_generator_
        ab = torch.as_tensor(self.alphas_bar, dtype=torch.float32)
        t = torch.randint(len(ab), (n,), generator=g)
        eps = torch.randn(tuple(x0.shape), generator=g, dtype=torch.float32)
        shape = (n,) + (1,) * (x0.ndim - 1)
        a = ab[t].reshape(shape)
        x_t = (a.sqrt() * x0.cpu() + (1 - a).sqrt() * eps).to(x0.device)
        y_in = None
        if self.n_classes and y is not None:
            drop = torch.rand(n, generator=g) < self.class_dropout
            y_in = torch.where(drop.to(y.device), torch.full_like(y, self.n_classes), y)
        pred = self.module_(x_t, t.to(x0.device), y_in)
        loss = self.get_loss(pred, eps.to(x0.device), X=x0, training=True)
        loss.backward()
        if not math.isfinite(float(loss.detach())):
            raise ValueError(
                "the denoising loss became non-finite; lower lr (the data are standardised, so the "
                "usual cause is a too large learning rate)."
            )
        return {"loss": loss, "y_pred": pred}
