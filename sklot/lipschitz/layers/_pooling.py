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
        if self._strided_ok(x):
            if torch.is_grad_enabled() and x.requires_grad:
                return _L2NormPoolFunction.apply(x, self.kernel_size, self.eps)
            return _l2_pool_strided(x, self.kernel_size, self.eps)
        return _l2_pool_reference(x, self.kernel_size, self.stride, self.padding, self.eps)

    def _strided_ok(self, x):
        # non-overlapping windows without padding, few of them per window: sums of strided slices
        return (
            x.ndim == 4
            and self.stride == self.kernel_size
            and self.padding == (0, 0)
            and self.kernel_size[0] * self.kernel_size[1] <= 16
            and x.shape[2] >= self.kernel_size[0]
            and x.shape[3] >= self.kernel_size[1]
        )


def _l2_pool_reference(x, kernel_size, stride, padding, eps):
    """L2-norm pooling by ``avg_pool2d`` (any windows; differentiable to any order)."""
    k = kernel_size[0] * kernel_size[1]
    sq = F.avg_pool2d(x * x, kernel_size, stride, padding, count_include_pad=True) * k
    return torch.sqrt(sq + eps)


def _window_slices(x, kernel_size):
    # x[:, :, i::k1, j::k2] cut to the rows / columns that avg_pool2d's floor mode keeps
    (k1, k2), (h, w) = kernel_size, (x.shape[2] // kernel_size[0], x.shape[3] // kernel_size[1])
    return [x[:, :, i : h * k1 : k1, j : w * k2 : k2] for i in range(k1) for j in range(k2)]


def _l2_pool_strided(x, kernel_size, eps):
    # sum of squares over the k1 rows of each window (row slices, contiguous along W), then
    # over the k2 columns (strided slices of the half-reduced tensor)
    (k1, k2), (h, w) = kernel_size, (x.shape[2] // kernel_size[0], x.shape[3] // kernel_size[1])
    rows = [x[:, :, i : h * k1 : k1, : w * k2] for i in range(k1)]
    s = rows[0] * rows[0]
    for r in rows[1:]:
        s.addcmul_(r, r)
    cols = [s[..., j::k2] for j in range(k2)]
    out = cols[0].clone(memory_format=torch.contiguous_format)
    for c in cols[1:]:
        out.add_(c)
    return out.add_(eps).sqrt_()


class _L2NormPoolFunction(torch.autograd.Function):
    r"""L2-norm pooling over non-overlapping windows with a hand-written backward pass.

    Forward :math:`y_w = \sqrt{\sum_{i \in w} x_i^2 + \epsilon}` as sums of strided slices
    of the input, first over the rows of each window, then over its columns (no ``avg_pool2d``);
    backward :math:`\partial x_i = x_i\, g_w / y_w` for :math:`i \in w` (0 for the rows and
    columns floor-mode pooling drops), written slice by slice. Same function and gradient as
    :func:`_l2_pool_reference` up to rounding, at about a third of its cost. A second-order
    backward (``create_graph=True``) is differentiated through :func:`_l2_pool_reference`.
    """

    @staticmethod
    def forward(ctx, x, kernel_size, eps):
        out = _l2_pool_strided(x, kernel_size, eps)
        ctx.save_for_backward(x, out)
        ctx.kernel_size, ctx.eps = kernel_size, eps
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        ks = ctx.kernel_size
        if torch.is_grad_enabled():  # create_graph=True: keep the backward differentiable
            with torch.enable_grad():
                y = _l2_pool_reference(x, ks, ks, (0, 0), ctx.eps)
                (gx,) = torch.autograd.grad(y, x, g, create_graph=True)
            return gx, None, None
        r = g / out
        exact = x.shape[2] % ks[0] == 0 and x.shape[3] % ks[1] == 0
        gx = (torch.empty_like if exact else torch.zeros_like)(x, memory_format=torch.contiguous_format)
        for xs, gs in zip(_window_slices(x, ks), _window_slices(gx, ks)):
            torch.mul(xs, r, out=gs)
        return gx, None, None
