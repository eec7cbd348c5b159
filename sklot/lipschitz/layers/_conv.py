"""Lipschitz 2-D convolution (orthonormal reshaped kernel)."""

import math

from torch import nn
from torch.nn.utils import parametrize

from ._parametrizations import OrthonormalWeight
from ._reducible import ReducibleMixin

__all__ = ["OrthoConv2d", "conv_lipschitz_factor"]


def conv_lipschitz_factor(kernel_size, stride):
    r"""Bound on the norm of a convolution relative to its reshaped kernel.

    Each input pixel appears in at most :math:`\lceil k_1/s_1\rceil
    \lceil k_2/s_2\rceil` patches, so
    :math:`\|\mathrm{conv}_K\|_2 \le \sqrt{\lceil k_1/s_1\rceil\lceil k_2/s_2\rceil}\,
    \|K_{c_{out}\times c_{in}k_1k_2}\|_2` (zero or circular padding).

    Examples
    --------
    >>> from sklot.lipschitz.layers import conv_lipschitz_factor
    >>> conv_lipschitz_factor((3, 3), (1, 1))
    3.0
    """
    k1, k2 = kernel_size
    s1, s2 = stride
    return math.sqrt(math.ceil(k1 / s1) * math.ceil(k2 / s2))


class OrthoConv2d(ReducibleMixin, nn.Conv2d):
    r"""2-D convolution made 1-Lipschitz by an orthonormal reshaped kernel.

    The kernel reshaped to :math:`c_{out} \times c_{in} k_1 k_2` is spectrally
    normalised and orthonormalised (Björck), then divided by
    :func:`conv_lipschitz_factor` (Serrurier et al. 2021; the "reshaped kernel"
    bound of Cisse et al. 2017), which makes the convolution 1-Lipschitz in L2.
    Zero or circular padding only (reflect/replicate padding copies pixels
    and breaks the bound).

    Shapes
    ------
    input (N, C_in, H, W) -> output (N, C_out, H', W')

    Examples
    --------
    >>> import torch
    >>> from sklot.lipschitz.layers import OrthoConv2d
    >>> conv = OrthoConv2d(1, 4, 3, padding=1)
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
        n_iter=15,
        n_iter_grad=1,
        tol=1e-2,
        n_power_iter=1,
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
            n_iter=n_iter,
            n_iter_grad=n_iter_grad,
            tol=tol,
            n_power_iter=n_power_iter,
        )
        factor = conv_lipschitz_factor(self.kernel_size, self.stride)
        parametrize.register_parametrization(
            self,
            "weight",
            OrthonormalWeight(
                self.weight.shape,
                scale=1.0 / factor,
                n_iter=n_iter,
                n_iter_grad=n_iter_grad,
                tol=tol,
                n_power_iter=n_power_iter,
            ),
        )

    def reset_parameters(self, generator=None):
        if not hasattr(self, "parametrizations"):
            return super().reset_parameters()
        nn.init.orthogonal_(self.parametrizations.weight.original, generator=generator)
        if self.bias is not None:
            nn.init.zeros_(self.bias)
