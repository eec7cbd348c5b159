"""1-Lipschitz pooling layers."""

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.modules.utils import _pair

__all__ = ["ScaledAvgPool2d", "L2NormPool2d"]


class _Pool(nn.Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride if stride is not None else kernel_size)
        self.padding = _pair(padding)

    def lipschitz_bound(self):
        """:math:`\\sqrt{\\lceil k_1/s_1\\rceil\\lceil k_2/s_2\\rceil}` (1 when stride >= kernel)."""
        (k1, k2), (s1, s2) = self.kernel_size, self.stride
        return math.sqrt(math.ceil(k1 / s1) * math.ceil(k2 / s2))

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class ScaledAvgPool2d(_Pool):
    r"""Average pooling times :math:`\sqrt{k_1 k_2}` (the sum over a window over its square root).

    1-Lipschitz when the stride is at least the kernel size (non-overlapping
    windows, the default), since :math:`|\sum_{i\le n} a_i| \le \sqrt{n}\,\|a\|_2`.

    Shapes
    ------
    input (N, C, H, W) -> output (N, C, H', W')
    """

    def forward(self, x):
        scale = math.sqrt(self.kernel_size[0] * self.kernel_size[1])
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, count_include_pad=True) * scale


class L2NormPool2d(_Pool):
    r"""L2 norm of each window, :math:`\sqrt{\sum_{i\in w} x_i^2 + \epsilon}`.

    1-Lipschitz (the norm is, and :math:`r\mapsto\sqrt{r^2+\epsilon}` is)
    when windows do not overlap (the default); gradient-norm preserving.

    Shapes
    ------
    input (N, C, H, W) -> output (N, C, H', W')
    """

    def __init__(self, kernel_size, stride=None, padding=0, eps=1e-12):
        super().__init__(kernel_size, stride, padding)
        self.eps = float(eps)

    def forward(self, x):
        k = self.kernel_size[0] * self.kernel_size[1]
        sq = F.avg_pool2d(x * x, self.kernel_size, self.stride, self.padding, count_include_pad=True) * k
        return torch.sqrt(sq + self.eps)
