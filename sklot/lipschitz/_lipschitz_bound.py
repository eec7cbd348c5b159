"""Guaranteed Lipschitz bounds computed from a network's current weights."""

import math

import torch
from torch import nn

from .layers._activation import FullSort, GroupSort
from .layers._conv_bounds import conv_gram_bound, conv_spectral_bound
from .layers._conv import conv_lipschitz_factor
from .layers._pooling import _Pool

__all__ = ["lipschitz_bound"]

_ONE_LIPSCHITZ = (
    GroupSort,
    FullSort,
    nn.ReLU,
    nn.LeakyReLU,
    nn.Tanh,
    nn.Flatten,
    nn.Unflatten,
    nn.Identity,
    nn.Dropout,
)


@torch.no_grad()
def _layer_bound(layer, sizes=None):
    if isinstance(layer, nn.Linear):
        return float(torch.linalg.matrix_norm(layer.weight.detach().double(), ord=2))
    if isinstance(layer, nn.Conv2d):
        if layer.padding_mode not in ("zeros", "circular") or layer.groups != 1 or layer.dilation != (1, 1):
            raise ValueError(f"no Lipschitz bound implemented for {layer!r}.")
        kernel = layer.weight.detach().double()
        reshaped = float(torch.linalg.matrix_norm(kernel.reshape(layer.out_channels, -1), ord=2))
        reshaped *= conv_lipschitz_factor(layer.kernel_size, layer.stride)
        # certified bounds, the smallest kept: the Gram (Schur test) bound is exact for AOL kernels;
        # with the input size known, the spectral bound is within a few percent of the true norm
        bounds = [reshaped, conv_gram_bound(kernel)]
        size = (sizes or {}).get(id(layer))
        if size is not None and isinstance(layer.padding, tuple):
            spectral = conv_spectral_bound(kernel, size, layer.padding, layer.padding_mode)
            if spectral is not None:
                bounds.append(spectral)
        return min(bounds)
    if isinstance(layer, _Pool):
        return layer.lipschitz_bound()
    if isinstance(layer, nn.MaxPool2d):
        k, s = (
            nn.modules.utils._pair(layer.kernel_size),
            nn.modules.utils._pair(layer.stride or layer.kernel_size),
        )
        return math.sqrt(math.ceil(k[0] / s[0]) * math.ceil(k[1] / s[1]))
    if isinstance(layer, nn.LeakyReLU):
        return max(1.0, abs(layer.negative_slope))
    if isinstance(layer, _ONE_LIPSCHITZ):
        return 1.0
    if isinstance(layer, nn.Sequential):
        from ._export import check_sequential_forward, has_sequential_forward
        from .layers._container import LipschitzSequential

        own = getattr(type(layer), "lipschitz_bound", None)
        if not has_sequential_forward(layer) and own not in (None, LipschitzSequential.lipschitz_bound):
            return float(layer.lipschitz_bound())
        check_sequential_forward(layer)
        bound = 1.0
        for sub in layer:
            bound *= _layer_bound(sub, sizes)
        return bound * abs(getattr(layer, "lipschitz_constant", 1.0))
    if hasattr(layer, "lipschitz_bound"):
        return float(layer.lipschitz_bound())
    raise ValueError(
        f"cannot bound the Lipschitz constant of {type(layer).__name__}; build the network from "
        "sklot.lipschitz.layers (or give the module a lipschitz_bound() method)."
    )


def _conv_input_sizes(module, input_shape):
    """{id(conv): (H, W)} of the input of every ``nn.Conv2d``, from a forward pass of zeros."""
    sizes, hooks = {}, []

    def record(conv, args):
        sizes[id(conv)] = tuple(args[0].shape[-2:])

    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_pre_hook(record))
    try:
        p = next(module.parameters(), None)
        kw = {} if p is None else dict(dtype=p.dtype, device=p.device)
        module(torch.zeros((1, *input_shape), **kw))
    finally:
        for h in hooks:
            h.remove()
    return sizes


def lipschitz_bound(module, input_shape=None):
    r"""An upper bound on the L2 Lipschitz constant of a sequential network.

    The product of per-layer bounds: exact spectral norms of dense weights
    (computed in float64), for convolutions the smaller of the reshaped-kernel bound
    (:func:`~sklot.lipschitz.layers.conv_lipschitz_factor`) and the Schur-test bound on the
    operator's Gram (:func:`~sklot.lipschitz.layers.conv_gram_bound`) and, with
    ``input_shape``, the spectral bound, 1 for GroupSort /
    ReLU / Flatten, pooling bounds, times the container's constant. It holds
    for the weights as they are now (not as the nominal construction says),
    which is what makes certificates trustworthy. An ``nn.Sequential``
    subclass that overrides ``forward`` is not a chain of its layers: it is
    bounded by its own ``lipschitz_bound()`` method if it has one, else a
    ValueError is raised.

    Parameters
    ----------
    module : torch.nn.Module
        A layer or a ``nn.Sequential`` (possibly nested), constrained or exported.
    input_shape : tuple or None, default=None
        Shape of one input sample. When given, each convolution is also bounded by the exact
        norm of the circular convolution on its (padded) input grid
        (:func:`~sklot.lipschitz.layers.conv_spectral_bound`, Sedghi et al. 2019): a bound valid
        for inputs of that shape only, within a few percent of the true norm.

    Returns
    -------
    float

    Examples
    --------
    >>> from torch import nn
    >>> from sklot.lipschitz import lipschitz_bound
    >>> lin = nn.Linear(3, 3, bias=False)
    >>> _ = nn.init.eye_(lin.weight)
    >>> lipschitz_bound(nn.Sequential(lin, nn.ReLU()))
    1.0
    """
    was_training = module.training
    module.eval()
    try:
        sizes = None if input_shape is None else _conv_input_sizes(module, tuple(input_shape))
        return _layer_bound(module, sizes)
    finally:
        module.train(was_training)
