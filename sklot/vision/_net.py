"""The skorch net of the vision pre-training objectives (on sklot's one training engine)."""

import torch

from .._core.random import torch_generator
from .._core.training import SklotNet
from ._masked import MaskedPretrainer
from ._pretrainer import draw_prefix_lengths

__all__ = ["PretrainingNet", "LossIsOutput"]


class LossIsOutput(torch.nn.Module):
    """Criterion of a module whose forward already returns the loss."""

    def forward(self, loss, y=None):
        return loss


class PretrainingNet(SklotNet):
    """:class:`~sklot._core.training.SklotNet` whose training step draws the objective's randomness.

    Per training batch, the random prefix lengths (autoregressive objective) or the masking noise
    (masked objective) are drawn for the *global* batch from a generator of the net's seed, and
    this process keeps its rows (:meth:`SklotNet.batch_span`), so that data-parallel pre-training
    equals single-process pre-training. The batch's ``y`` holds the caption token ids, or None.
    """

    def initialize(self):
        self.objective_generator_ = torch_generator(self.seed + 7, "cpu")
        return super().initialize()

    def _draw(self, n_rows):
        module = self.module_
        n_patches = module.encoder.n_patches
        span = self.batch_span() or (0, n_rows, n_rows)
        lo, hi, n_global = span
        if isinstance(module, MaskedPretrainer):
            noise = torch.rand(n_global, n_patches, generator=self.objective_generator_)
            return noise[lo:hi]
        return draw_prefix_lengths(n_global, n_patches, self.objective_generator_)[lo:hi]

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = batch
        draw = self._draw(len(Xi))
        if isinstance(self.module_, MaskedPretrainer):
            loss = self.module_(Xi, draw)
        else:
            loss = self.module_(Xi, yi, draw)
        loss.backward()
        return {"loss": loss, "y_pred": loss}
