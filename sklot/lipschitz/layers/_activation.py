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
        g = x.unflatten(1, (n // 2, 2))
        a, b = g.unbind(2)
        return torch.stack((torch.minimum(a, b), torch.maximum(a, b)), dim=2).flatten(1, 2)
    if group_size == n:
        return torch.sort(x, dim=1).values
    return torch.sort(x.unflatten(1, (n // group_size, group_size)), dim=2).values.flatten(1, 2)


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
