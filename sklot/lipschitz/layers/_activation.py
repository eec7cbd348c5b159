"""Gradient-norm-preserving 1-Lipschitz activations (Anil, Lucas and Grosse, 2019)."""

import torch
from torch import nn

__all__ = ["GroupSort", "MaxMin", "FullSort"]


def group_sort(x, group_size):
    """Sort the features (dim 1) of ``x`` within consecutive groups of ``group_size``."""
    n = x.shape[1]
    if n % group_size:
        raise ValueError(f"GroupSort: {n} features are not divisible by group_size={group_size}.")
    if group_size == 2:
        if torch.is_grad_enabled() and x.requires_grad:
            return _MaxMinFunction.apply(x)
        return _maxmin_forward(x)
    if group_size == n:
        return torch.sort(x, dim=1).values
    return torch.sort(x.unflatten(1, (n // group_size, group_size)), dim=2).values.flatten(1, 2)


def _maxmin_reference(x):
    """MaxMin by ``torch.minimum`` / ``torch.maximum`` (differentiable to any order)."""
    a, b = x.unflatten(1, (x.shape[1] // 2, 2)).unbind(2)
    return torch.stack((torch.minimum(a, b), torch.maximum(a, b)), dim=2).flatten(1, 2)


def _maxmin_forward(x):
    # written into the interleaved output directly: no stack, no intermediate copies
    n = x.shape[1]
    a, b = x.unflatten(1, (n // 2, 2)).unbind(2)
    out = torch.empty_like(x, memory_format=torch.contiguous_format)
    lo, hi = out.unflatten(1, (n // 2, 2)).unbind(2)
    torch.minimum(a, b, out=lo)
    torch.maximum(a, b, out=hi)
    return out


class _MaxMinFunction(torch.autograd.Function):
    r"""MaxMin with a hand-written backward pass (the training hot spot of a Lipschitz CNN).

    Forward :math:`(a, b) \mapsto (\min(a, b), \max(a, b))` on consecutive channel pairs. On each
    piece the map is a permutation, so its backward pass routes the output gradient back:
    with :math:`s = [a > b]`, :math:`\partial a = (1 - s)\,g_{\min} + s\,g_{\max}` and
    :math:`\partial b = s\,g_{\min} + (1 - s)\,g_{\max}`, an exact permutation of
    :math:`(g_{\min}, g_{\max})` (``torch.lerp`` with a 0/1 weight returns one of its ends
    exactly). At a tie :math:`a = b` the whole gradient goes to one input each (a
    subgradient that keeps the gradient norm, where ``torch.minimum``'s backward splits it
    in halves). autograd's backward of ``minimum`` / ``maximum`` / ``stack`` costs several
    full-size ``where`` / ``masked_fill`` passes; this one costs two ``lerp``. A second-order
    backward (``create_graph=True``) is differentiated through :func:`_maxmin_reference`.
    """

    @staticmethod
    def forward(ctx, x):
        n = x.shape[1]
        a, b = x.unflatten(1, (n // 2, 2)).unbind(2)
        swap = torch.empty(a.shape, dtype=x.dtype, device=x.device)
        torch.gt(a, b, out=swap)  # written as 0.0 / 1.0 directly: no boolean mask to convert
        ctx.save_for_backward(x, swap)
        return _maxmin_forward(x)

    @staticmethod
    def backward(ctx, g):
        x, swap = ctx.saved_tensors
        if torch.is_grad_enabled():  # create_graph=True: keep the backward differentiable
            with torch.enable_grad():
                (gx,) = torch.autograd.grad(_maxmin_reference(x), x, g, create_graph=True)
            return gx
        n = g.shape[1]
        g_lo, g_hi = g.unflatten(1, (n // 2, 2)).unbind(2)
        gx = torch.empty_like(g, memory_format=torch.contiguous_format)
        g_a, g_b = gx.unflatten(1, (n // 2, 2)).unbind(2)
        torch.lerp(g_lo, g_hi, swap, out=g_a)
        torch.lerp(g_hi, g_lo, swap, out=g_b)
        return gx


class GroupSort(nn.Module):
    r"""Sort features within groups of ``group_size`` (along dimension 1).

    A permutation of the inputs on every linear piece: 1-Lipschitz and
    gradient-norm preserving.

    Shapes
    ------
    input (N, C, *) -> output (N, C, *), C divisible by ``group_size``

    Examples
    --------
    >>> import torch
    >>> from sklot.lipschitz.layers import GroupSort
    >>> GroupSort(2)(torch.tensor([[3.0, 1.0, -1.0, 2.0]])).tolist()
    [[1.0, 3.0, -1.0, 2.0]]
    """

    def __init__(self, group_size=2):
        super().__init__()
        if int(group_size) < 1:
            raise ValueError(f"group_size must be >= 1; got {group_size}.")
        self.group_size = int(group_size)

    def forward(self, x):
        return group_sort(x, self.group_size)

    def extra_repr(self):
        return f"group_size={self.group_size}"


class MaxMin(GroupSort):
    """GroupSort with groups of two (``(min(a, b), max(a, b))``), a.k.a. GroupSort2."""

    def __init__(self):
        super().__init__(2)

    def extra_repr(self):
        return ""


class FullSort(nn.Module):
    """Sort all features (dimension 1): GroupSort with one group."""

    def forward(self, x):
        return torch.sort(x, dim=1).values
