"""A sequential container that knows its Lipschitz constant."""

from torch import nn

__all__ = ["LipschitzSequential"]


class LipschitzSequential(nn.Sequential):
    r"""``nn.Sequential`` of Lipschitz layers, scaled to a chosen constant :math:`k`.

    .. math:: f(x) = k \cdot (g_n \circ \dots \circ g_1)(x)

    With 1-Lipschitz layers :math:`g_i`, :math:`f` is :math:`k`-Lipschitz.
    ``lipschitz_constant`` is that nominal constant; :meth:`lipschitz_bound`
    recomputes a guaranteed bound from the current weights (exact spectral
    norms, which finite Björck iterations leave a hair away from 1).

    Parameters
    ----------
    *layers : torch.nn.Module
    lipschitz_constant : float, default=1.0

    Examples
    --------
    >>> import torch
    >>> from sklot.lipschitz.layers import LipschitzSequential, OrthoLinear, MaxMin
    >>> net = LipschitzSequential(OrthoLinear(4, 8), MaxMin(), OrthoLinear(8, 1), lipschitz_constant=2.0)
    >>> net.lipschitz_constant
    2.0
    >>> round(net.lipschitz_bound(), 2)
    2.0
    """

    def __init__(self, *layers, lipschitz_constant=1.0):
        super().__init__(*layers)
        if not lipschitz_constant > 0:
            raise ValueError(f"lipschitz_constant must be > 0; got {lipschitz_constant}.")
        self.lipschitz_constant = float(lipschitz_constant)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return LipschitzSequential(*list(self._modules.values())[idx], lipschitz_constant=1.0)
        return super().__getitem__(idx)

    def forward(self, x):
        out = super().forward(x)
        return out if self.lipschitz_constant == 1.0 else out * self.lipschitz_constant

    def lipschitz_bound(self):
        """Guaranteed L2 Lipschitz bound of the network from its current weights."""
        from .._lipschitz_bound import lipschitz_bound

        return lipschitz_bound(self)

    def extra_repr(self):
        return f"lipschitz_constant={self.lipschitz_constant}"
