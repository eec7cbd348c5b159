"""The skorch net of the Lipschitz estimators (sklot's one training engine)."""

import math

import torch

from .._core.training import SklotNet
from .layers import reproject_

__all__ = ["LipschitzNet"]


class LipschitzNet(SklotNet):
    """:class:`~sklot._core.training.SklotNet` for networks with orthonormal weights.

    * after each backward pass (before the optimiser step) the raw weights are
      reprojected onto their orthonormalised values
      (:func:`~sklot.lipschitz.layers.reproject_`), so each step's Björck
      iteration starts at its fixed point and stops early;
    * the module is left in eval mode after fitting (constrained weights are
      then computed once and cached);
    * divergence is an error: a non-finite training loss, or non-finite
      weights at the end of training, raise a :class:`ValueError` naming the
      learning rate (an orthonormal layer cannot blow up, so a too large
      ``lr`` acting on the biases, or inputs / targets of extreme scale,
      are the usual causes) instead of surfacing later as a failed SVD.

    Parameters
    ----------
    reproject : bool, default=True
    """

    def __init__(self, *args, reproject=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.reproject = reproject

    def train_step_single(self, batch, **fit_params):
        step = super().train_step_single(batch, **fit_params)
        loss = float(step["loss"].detach())
        if not math.isfinite(loss):
            self._diverged(f"the training loss became {loss}")
        if self.reproject:
            reproject_(self.module_)
        return step

    def on_train_end(self, net, X=None, y=None, **kwargs):
        super().on_train_end(net, X=X, y=y, **kwargs)
        self.module_.eval()
        if not all(bool(torch.isfinite(p).all()) for p in self.module_.parameters()):
            self._diverged("the weights became non-finite")

    def _diverged(self, what):
        epoch = len(self.history) if self.history else 0
        raise ValueError(
            f"training diverged: {what} in epoch {epoch}. The learning rate (lr={self.lr}) is the likely "
            "cause: lower it (or rescale the inputs and targets)."
        )
