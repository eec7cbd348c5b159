"""Exact export of a Lipschitz network to plain torch layers ("vanilla export")."""

import copy

import torch
from torch import nn
from torch.nn.utils import skip_init

from .layers._container import LipschitzSequential

__all__ = ["export"]


class Scale(nn.Module):
    """Multiply by a constant (kept only when it cannot be folded into a last affine layer)."""

    def __init__(self, factor):
        super().__init__()
        self.factor = float(factor)

    def forward(self, x):
        return x * self.factor

    def lipschitz_bound(self):
        return abs(self.factor)


def has_sequential_forward(module):
    """Whether an ``nn.Sequential`` applies its children in order (its class keeps the stock ``forward``).

    A subclass overriding ``forward`` (a skip connection, a reordering...) is a
    different function from the chain of its children: it can be neither
    exported layer by layer nor bounded by the product of their constants.
    """
    forward = type(module).forward
    return forward is nn.Sequential.forward or forward is LipschitzSequential.forward


def check_sequential_forward(module):
    if not has_sequential_forward(module):
        raise ValueError(
            f"{type(module).__name__} overrides nn.Sequential.forward, so it does not apply its layers in "
            "sequence: it can be neither exported exactly nor bounded layer by layer. Build the network "
            "from nn.Sequential / LipschitzSequential containers (or a module with its own "
            "lipschitz_bound() method)."
        )


def check_exportable(module):
    """Raise the ValueError of :func:`export` now (before training) if ``module`` cannot be exported."""
    if isinstance(module, nn.Sequential):
        check_sequential_forward(module)
        for child in module:
            check_exportable(child)


def _constrained_weight(layer):
    # Recompute from the raw parameter: never read a cache, so a model just
    # loaded from disk exports its own weights.
    plist = layer.parametrizations.weight
    if len(plist) == 1 and hasattr(plist[0], "compute"):
        return plist[0].compute(plist.original, update=False).detach().clone()
    return layer.weight.detach().clone()  # another parametrisation: evaluate the whole chain


def _fold_scale(module, scale, shift=None):
    """Multiply the output of ``module`` by ``scale`` (then add ``shift``) inside its last affine layer.

    ``scale`` is a float or a per-output tensor. Returns False (nothing
    changed) when the last layer of the chain is not an ``nn.Linear`` /
    ``nn.Conv2d`` reachable through plain ``nn.Sequential`` containers.
    """
    if isinstance(module, (nn.Linear, nn.Conv2d)):
        if shift is not None and module.bias is None:
            return False
        scale = torch.as_tensor(scale, dtype=module.weight.dtype, device=module.weight.device)
        with torch.no_grad():
            module.weight.mul_(scale.reshape(-1, *([1] * (module.weight.ndim - 1))))
            if module.bias is not None:
                module.bias.mul_(scale)
                if shift is not None:
                    shift = torch.as_tensor(shift, dtype=module.bias.dtype, device=module.bias.device)
                    module.bias.add_(shift)
        return True
    if type(module) is nn.Sequential and len(module):
        return _fold_scale(module[-1], scale, shift)
    return False


def last_layer(module):
    """The last layer applied by ``module``, looking inside containers that apply their layers in order."""
    while isinstance(module, nn.Sequential) and has_sequential_forward(module) and len(module):
        module = module[-1]
    return module


def split_last_linear(module):
    """``(body, last)`` with ``module(x) == last(body(x))`` and ``last`` an ``nn.Linear``, or None.

    ``module`` is an exported network (plain ``nn.Sequential`` containers,
    possibly nested); ``body`` is an ``nn.Sequential`` of everything before
    ``last``.
    """
    if isinstance(module, nn.Linear):
        return nn.Sequential(), module
    if type(module) is nn.Sequential and len(module):
        inner = split_last_linear(module[-1])
        if inner is not None:
            return nn.Sequential(*list(module)[:-1], *inner[0]), inner[1]
    return None


def affine_output(module, scale, shift):
    """Exported ``module`` followed by ``y -> scale * y + shift`` (per output), folded when possible."""
    import numpy as np

    scale = np.asarray(scale, dtype=np.float64).reshape(-1)
    shift = np.asarray(shift, dtype=np.float64).reshape(-1)
    p = next(module.parameters())
    if _fold_scale(module, scale, shift):
        return module
    # skip_init: no default weights drawn (they would advance torch's global generator)
    out = torch.nn.utils.skip_init(nn.Linear, len(scale), len(scale), device=p.device, dtype=p.dtype)
    with torch.no_grad():
        out.weight.copy_(torch.diag(torch.as_tensor(scale)))
        out.bias.copy_(torch.as_tensor(shift))
    return nn.Sequential(module, out)


def _export_layer(layer):
    from torch.nn.utils import parametrize

    conv_ok = not isinstance(layer, nn.Conv2d) or (
        layer.groups == 1 and tuple(layer.dilation) == (1, 1) and isinstance(layer.padding, tuple)
    )
    if not conv_ok and parametrize.is_parametrized(layer, "weight"):
        raise ValueError(f"cannot export {layer!r} (grouped, dilated or 'same'-padded convolution).")

    if isinstance(layer, nn.Linear) and parametrize.is_parametrized(layer, "weight"):
        w = _constrained_weight(layer)
        # skip_init: no default weights drawn (they would advance torch's global generator)
        out = skip_init(
            nn.Linear, layer.in_features, layer.out_features, bias=layer.bias is not None, device=w.device
        )
        with torch.no_grad():
            out.weight.copy_(w)
            if layer.bias is not None:
                out.bias.copy_(layer.bias)
        return out
    if isinstance(layer, nn.Conv2d) and parametrize.is_parametrized(layer, "weight"):
        w = _constrained_weight(layer)
        out = skip_init(
            nn.Conv2d,
            layer.in_channels,
            layer.out_channels,
            layer.kernel_size,
            stride=layer.stride,
            padding=layer.padding,
            bias=layer.bias is not None,
            padding_mode=layer.padding_mode,
            device=w.device,
        )
        with torch.no_grad():
            out.weight.copy_(w)
            if layer.bias is not None:
                out.bias.copy_(layer.bias)
        return out
    if isinstance(layer, nn.Sequential):
        check_sequential_forward(layer)
        children = [_export_layer(c) for c in layer]
        k = getattr(layer, "lipschitz_constant", 1.0) if isinstance(layer, LipschitzSequential) else 1.0
        out = nn.Sequential(*children)
        if k != 1.0 and not _fold_scale(out, k):
            out.append(Scale(k))
        return out
    if parametrize.is_parametrized(layer):
        raise ValueError(f"cannot export parametrised {type(layer).__name__}.")
    # any other module (parameter-free layers, or a module the user bounds
    # with its own lipschitz_bound()) is copied whole: the same function
    return copy.deepcopy(layer)


@torch.no_grad()
def export(module):
    r"""Copy a Lipschitz network into plain torch layers computing the same function.

    Every :class:`~sklot.lipschitz.layers.OrthoLinear` /
    :class:`~sklot.lipschitz.layers.FrobeniusLinear` becomes an
    :class:`torch.nn.Linear` and every
    :class:`~sklot.lipschitz.layers.OrthoConv2d` an :class:`torch.nn.Conv2d`
    holding the constrained weight recomputed *now* from the raw parameters
    (no cache is read, so exporting a model straight after
    ``load_state_dict`` is correct); a container's constant is folded into its
    last affine layer. Parameter-free layers (GroupSort, pooling) are copied.
    The result is in eval mode and carries no parametrisation, so inference
    costs what an unconstrained network costs.

    Only what can be exported exactly is: an ``nn.Sequential`` subclass that
    overrides ``forward`` (a skip connection, a reordering) raises a
    ValueError, as does a parametrised layer other than a dense or plain 2-D
    convolution.

    Parameters
    ----------
    module : torch.nn.Module

    Returns
    -------
    torch.nn.Module

    Examples
    --------
    >>> import torch
    >>> from sklot.lipschitz import export
    >>> from sklot.lipschitz.layers import LipschitzSequential, OrthoLinear, MaxMin
    >>> net = LipschitzSequential(OrthoLinear(4, 8), MaxMin(), OrthoLinear(8, 2)).eval()
    >>> plain = export(net)
    >>> x = torch.randn(5, 4)
    >>> bool(torch.allclose(plain(x), net(x), atol=1e-6))
    True
    """
    was_training = module.training
    module.eval()
    try:
        out = _export_layer(module)
    finally:
        module.train(was_training)
    return out.eval()
