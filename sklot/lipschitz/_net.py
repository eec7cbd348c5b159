"""The skorch net of the Lipschitz estimators (sklot's one training engine)."""

from .._core.training import SklotNet

__all__ = ["LipschitzNet"]


class LipschitzNet(SklotNet):
    """:class:`~sklot._core.training.SklotNet` that leaves its module in eval mode after fitting.

    In eval mode the constrained weights are computed once and cached (see
    :mod:`sklot.lipschitz.layers._parametrizations`); training mode recomputes
    them (spectral normalisation + Björck) at every step.
    """

    def on_train_end(self, net, X=None, y=None, **kwargs):
        super().on_train_end(net, X=X, y=y, **kwargs)
        self.module_.eval()
