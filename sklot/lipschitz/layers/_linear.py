"""Orthonormal (1-Lipschitz) dense layer."""

from torch import nn
from torch.nn.utils import parametrize

from ._parametrizations import OrthonormalWeight
from ._reducible import ReducibleMixin

__all__ = ["OrthoLinear"]


class OrthoLinear(ReducibleMixin, nn.Linear):
    r"""Dense layer whose weight is orthonormal at every step, hence 1-Lipschitz.

    .. math::

        y = \mathrm{Bj}\big(W / \sigma_{\max}(W)\big)\, x + b,

    spectral normalisation then Björck orthonormalisation, applied as a torch
    parametrisation (``layer.parametrizations.weight.original`` is the free
    parameter). With ``out_features <= in_features`` the rows are orthonormal
    (:math:`\|W\|_2 = 1`), otherwise the columns are (:math:`W` is an
    isometry, gradient-norm preserving).

    Parameters
    ----------
    in_features, out_features : int
    bias : bool, default=True
    n_iter : int, default=15
        Maximum Björck iterations per step.
    n_iter_grad : int, default=1
        Björck iterations differentiated (at the fixed point one step already
        has the Jacobian of the polar factor: the tangent projection).
    tol : float, default=1e-2
        Björck early stop.
    n_power_iter : int, default=1
        Power iterations per step (the singular vector persists).

    Shapes
    ------
    input (N, in_features) -> output (N, out_features)

    Examples
    --------
    >>> import torch
    >>> from sklot.lipschitz.layers import OrthoLinear
    >>> layer = OrthoLinear(8, 4).eval()
    >>> s = torch.linalg.svdvals(layer.weight.detach())
    >>> bool(torch.allclose(s, torch.ones(4), atol=1e-3))
    True
    """

    _reducible_base = True

    def __init__(
        self, in_features, out_features, bias=True, *, n_iter=15, n_iter_grad=1, tol=1e-2, n_power_iter=1
    ):
        super().__init__(in_features, out_features, bias=bias)
        self._init_kwargs = dict(
            in_features=in_features,
            out_features=out_features,
            bias=bias,
            n_iter=n_iter,
            n_iter_grad=n_iter_grad,
            tol=tol,
            n_power_iter=n_power_iter,
        )
        parametrize.register_parametrization(
            self,
            "weight",
            OrthonormalWeight(
                self.weight.shape, n_iter=n_iter, n_iter_grad=n_iter_grad, tol=tol, n_power_iter=n_power_iter
            ),
        )

    def reset_parameters(self, generator=None):
        # Orthogonal initialisation: Björck then starts at its fixed point.
        if not hasattr(self, "parametrizations"):
            return super().reset_parameters()
        raw = self.parametrizations.weight.original
        nn.init.orthogonal_(raw, generator=generator)
        if self.bias is not None:
            nn.init.zeros_(self.bias)
