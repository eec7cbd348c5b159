"""The skorch net of the Lipschitz estimators (sklot's one training engine)."""

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
      then computed once and cached).

    Parameters
    ----------
    reproject : bool, default=True
    """

    def __init__(self, *args, reproject=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.reproject = reproject

    def train_step_single(self, batch, **fit_params):
        step = super().train_step_single(batch, **fit_params)
        if self.reproject:
            reproject_(self.module_)
        return step

    def on_train_end(self, net, X=None, y=None, **kwargs):
        super().on_train_end(net, X=X, y=y, **kwargs)
        self.module_.eval()
