r"""Almost-orthogonal convolution (AOL rescaling) and a certified bound of any 2-D convolution.

Both rest on the Gram "kernel" of a convolution. For a kernel :math:`K` of shape
:math:`c_{out} \times c_{in} \times k_1 \times k_2` (cross-correlation, stride 1), the operator
:math:`M` satisfies :math:`(M^\top M)_{(i,u),(j,u+p)} = G_{ij}(p) = \sum_o \sum_s K_{o,i,s}\,
K_{o,j,s+p}` for the offsets :math:`p` with :math:`|p_1| < k_1, |p_2| < k_2` (fewer terms near a
zero-padded border), and we write :math:`A_{ij} = \sum_p |G_{ij}(p)|`, a non-negative
:math:`c_{in} \times c_{in}` matrix. By the Schur test, for any positive vector :math:`w`,

.. math::

    \|M\|_2^2 = \|M^\top M\|_2 \le \max_i \frac{(A w)_i}{w_i}.

A stride only subsamples the output (a map of norm at most 1), and circular padding only adds
wrapped terms into the same sums, so the bound holds for zero or circular padding and any stride.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize

from ._parametrizations import _CachedParametrization
from ._reducible import ReducibleMixin

__all__ = ["AOLConv2d", "AOLWeight", "conv_gram_matrix", "conv_gram_bound"]


def conv_gram_matrix(weight):
    r"""The matrix :math:`A_{ij} = \sum_p |G_{ij}(p)|` of a 2-D convolution kernel (see the module).

    Parameters
    ----------
    weight : tensor of shape (c_out, c_in, k1, k2)

    Returns
    -------
    tensor of shape (c_in, c_in)
        Symmetric, non-negative; its row sums are the AOL normalisers.
    """
    k1, k2 = weight.shape[-2:]
    kt = weight.transpose(0, 1)  # (c_in, c_out, k1, k2): c_in "images" of c_out channels
    gram = F.conv2d(kt, kt, padding=(k1 - 1, k2 - 1))  # (c_in, c_in, 2 k1 - 1, 2 k2 - 1)
    return gram.abs().sum((2, 3))


@torch.no_grad()
def conv_gram_bound(weight, n_iter=100):
    r"""Certified upper bound on the L2 operator norm of a 2-D convolution (Schur test on its Gram).

    .. math::

        \|\mathrm{conv}_K\|_2 \le \sqrt{\max_i (A w)_i / w_i}

    with :math:`A` from :func:`conv_gram_matrix` and :math:`w` positive, taken from ``n_iter``
    power iterations on :math:`A` (any positive :math:`w` gives a valid bound; the Perron vector
    gives the smallest, the Perron root of :math:`A`). The bound is also never above
    :math:`\sqrt{\max_i \sum_j A_{ij}}` (:math:`w = 1`). For an AOL-rescaled kernel it is at most
    1 (Prach and Lampert 2022, Theorem 1), where the reshaped-kernel bound
    (:func:`~sklot.lipschitz.layers.conv_lipschitz_factor`) can be up to
    :math:`\sqrt{k_1 k_2}` times the true norm. Zero or circular padding, any stride, no groups
    or dilation. Computed in float64.

    Parameters
    ----------
    weight : tensor of shape (c_out, c_in, k1, k2)
    n_iter : int, default=100

    Returns
    -------
    float

    Examples
    --------
    >>> import torch
    >>> from sklot.lipschitz.layers import conv_gram_bound
    >>> k = torch.zeros(1, 1, 3, 3)
    >>> k[0, 0, 1, 1] = 2.0  # 2 x identity
    >>> conv_gram_bound(k)
    2.0
    """
    a = conv_gram_matrix(weight.detach().double())
    ones = torch.ones(a.shape[0], dtype=a.dtype, device=a.device)

    def schur(w):
        aw = a @ w
        return float((aw / w).max())

    best = schur(ones)
    w = ones
    for _ in range(int(n_iter)):
        aw = a @ w
        top = float(aw.max())
        if top <= 0:
            return 0.0  # zero kernel
        # keep every entry positive (a zero row, e.g. a dead channel, would make w_i = 0)
        w = aw / top + 1e-12
        best = min(best, schur(w))
    return math.sqrt(max(best, 0.0))


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
