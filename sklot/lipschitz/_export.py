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


def _constrained_weight(layer):
    # Recompute from the raw parameter: never read a cache, so a model just
    # loaded from disk exports its own weights.
    param = layer.parametrizations.weight[0]
    raw = layer.parametrizations.weight.original
    return param.compute(raw, update=False).detach().clone()


def _export_layer(layer):
    from torch.nn.utils import parametrize

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
        children = [_export_layer(c) for c in layer]
        k = getattr(layer, "lipschitz_constant", 1.0) if isinstance(layer, LipschitzSequential) else 1.0
        if k != 1.0:
            last = children[-1] if children else None
            if isinstance(last, (nn.Linear, nn.Conv2d)):
                with torch.no_grad():
                    last.weight.mul_(k)
                    if last.bias is not None:
                        last.bias.mul_(k)
            else:
                children.append(Scale(k))
        return nn.Sequential(*children)
    if any(True for _ in layer.parameters(recurse=False)) and parametrize.is_parametrized(layer):
        raise ValueError(f"cannot export parametrised {type(layer).__name__}.")
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
