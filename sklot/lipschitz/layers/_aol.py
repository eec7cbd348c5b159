"""Almost-orthogonal convolution: AOL rescaling of the input channels (Prach and Lampert 2022)."""

import torch
from torch import nn
from torch.nn.utils import parametrize

from ._conv_bounds import conv_gram_matrix
from ._parametrizations import _CachedParametrization
from ._reducible import ReducibleMixin

__all__ = ["AOLConv2d", "AOLWeight"]


class AOLWeight(_CachedParametrization):
    r"""AOL rescaling of a convolution kernel (Prach and Lampert 2022, eq. 4 and sec. 4).

    .. math::

        K' = K\,D, \qquad D = \operatorname{diag}\Big(\big(\textstyle\sum_j A_{ij} +
        \varepsilon\big)^{-1/2}\Big)

    (:math:`A` from :func:`conv_gram_matrix`; :math:`D` scales the input channels). Then
    :math:`\|\mathrm{conv}_{K'}\|_2 \le 1` for any :math:`K`: the Schur test with
    :math:`w = D^{-1}\mathbf 1` gives :math:`\max_i (A' w)_i / w_i = \max_i \sum_j A_{ij} /
    (\sum_j A_{ij} + \varepsilon) < 1`. Cheap (one small convolution of the kernel with itself),
    differentiable, and tight when the channels of :math:`K` are orthogonal.
    """

    def __init__(self, *, eps=1e-6):
        super().__init__()
        self.eps = float(eps)

    def compute(self, weight, update=False):
        a = conv_gram_matrix(weight)
        d = (a.sum(1) + self.eps).rsqrt()
        return weight * d[None, :, None, None]


class AOLConv2d(ReducibleMixin, nn.Conv2d):
    r"""2-D convolution made 1-Lipschitz in L2 by AOL rescaling of its input channels.

    The kernel is rescaled by :class:`AOLWeight` (Prach and Lampert 2022): a certified operator
    norm of at most 1 (zero or circular padding, any stride), whereas
    :class:`~sklot.lipschitz.layers.OrthoConv2d` divides an orthonormal reshaped kernel by
    :math:`\sqrt{\lceil k_1/s_1\rceil\lceil k_2/s_2\rceil}` (3 for a 3x3 kernel), which leaves
    its true norm well below 1 and wastes certified radius. :func:`~sklot.lipschitz.lipschitz_bound`
    bounds the exported layer with :func:`conv_gram_bound` (at most 1 here).

    Initialisation: the kernel of output channel :math:`o < \min(c_{in}, c_{out})` is the identity
    on input channel :math:`o` (a Dirac at the centre, exactly orthogonal), the other output
    channels random orthogonal rows of the reshaped kernel.

    Parameters
    ----------
    in_channels, out_channels, kernel_size, stride, padding, bias, padding_mode
        As :class:`torch.nn.Conv2d` (``padding_mode`` "zeros" or "circular").
    eps : float, default=1e-6
        :math:`\varepsilon` of :class:`AOLWeight`.

    Shapes
    ------
    input (N, C_in, H, W) -> output (N, C_out, H', W')

    Examples
    --------
    >>> import torch
    >>> from sklot.lipschitz.layers import AOLConv2d
    >>> conv = AOLConv2d(1, 4, 3, padding=1)
    >>> conv(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 4, 8, 8])
    """

    _reducible_base = True

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        bias=True,
        padding_mode="zeros",
        *,
        eps=1e-6,
    ):
        if padding_mode not in ("zeros", "circular"):
            raise ValueError(
                "padding_mode must be 'zeros' or 'circular' for a Lipschitz convolution; "
                f"got {padding_mode!r}."
            )
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            padding=padding,
            bias=bias,
            padding_mode=padding_mode,
        )
        self._init_kwargs = dict(
            in_channels=in_channels,
            out_channels=out_channels,
            kernel_size=kernel_size,
            stride=stride,
            padding=padding,
            bias=bias,
            padding_mode=padding_mode,
            eps=eps,
        )
        parametrize.register_parametrization(self, "weight", AOLWeight(eps=eps))
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self, generator=None):
        if not hasattr(self, "parametrizations"):
            return super().reset_parameters()
        raw = self.parametrizations.weight.original
        c_out, c_in, k1, k2 = raw.shape
        flat = torch.empty(c_out, c_in * k1 * k2, dtype=raw.dtype, device=raw.device)
        nn.init.orthogonal_(flat, generator=generator)
        w = flat.reshape(raw.shape)
        n = min(c_in, c_out)
        w[:n] = 0.0
        w[torch.arange(n), torch.arange(n), k1 // 2, k2 // 2] = 1.0
        raw.copy_(w)
        if self.bias is not None:
            nn.init.zeros_(self.bias)
