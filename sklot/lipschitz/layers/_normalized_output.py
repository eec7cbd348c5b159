"""Frobenius-normalised output layer (each class logit separately 1-Lipschitz)."""

from torch import nn
from torch.nn.utils import parametrize

from ._parametrizations import FrobeniusWeight
from ._reducible import ReducibleMixin

__all__ = ["FrobeniusLinear"]


class FrobeniusLinear(ReducibleMixin, nn.Linear):
    r"""Dense output layer normalised by the Frobenius norm.

    With ``disjoint_neurons=True`` each row :math:`w_k` is divided by
    :math:`\|w_k\|_2`: every logit :math:`f_k = w_k^\top x + b_k` is then
    1-Lipschitz on its own (so :math:`f_y - f_j` is 2-Lipschitz and the
    multiclass certificate is margin / 2L). With ``disjoint_neurons=False`` the
    whole matrix is divided by :math:`\|W\|_F \ge \|W\|_2`.

    Shapes
    ------
    input (N, in_features) -> output (N, out_features)

    Examples
    --------
    >>> import torch
    >>> from sklot.lipschitz.layers import FrobeniusLinear
    >>> layer = FrobeniusLinear(5, 3)
    >>> torch.linalg.vector_norm(layer.weight, dim=1).detach().round(decimals=4).tolist()
    [1.0, 1.0, 1.0]
    """

    _reducible_base = True

    def __init__(self, in_features, out_features, bias=True, *, disjoint_neurons=True):
        super().__init__(in_features, out_features, bias=bias)
        self.disjoint_neurons = bool(disjoint_neurons)
        self._init_kwargs = dict(
            in_features=in_features, out_features=out_features, bias=bias, disjoint_neurons=disjoint_neurons
        )
        parametrize.register_parametrization(self, "weight", FrobeniusWeight(per_row=disjoint_neurons))

    def reset_parameters(self, generator=None):
        if not hasattr(self, "parametrizations"):
            return super().reset_parameters()
        nn.init.orthogonal_(self.parametrizations.weight.original, generator=generator)
        if self.bias is not None:
            nn.init.zeros_(self.bias)
