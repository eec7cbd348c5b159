"""Networks built by the estimators (all from sklot.lipschitz.layers)."""

import numpy as np
from torch import nn

from ._export import check_exportable, last_layer
from ._lipschitz_bound import lipschitz_bound
from .layers import (
    AOLConv2d,
    FrobeniusLinear,
    FullSort,
    GroupSort,
    L2NormPool2d,
    LipschitzSequential,
    MaxMin,
    OrthoConv2d,
    OrthoLinear,
)

_ACTIVATIONS = ("maxmin", "groupsort4", "fullsort")
_CONVOLUTIONS = ("orthonormal", "aol")

# The estimators reproject raw weights onto the orthonormal ones at every step
# (LipschitzNet), so Björck always starts at its fixed point, where the
# Jacobian of one step already is the projection onto the tangent space of
# the Stiefel manifold (the Jacobian of the polar factor): one differentiated
# iteration gives the exact gradient there.
N_ITER_GRAD = 1
# Stop of the non-differentiated phase; the differentiated step that follows
# squares the remaining error (measured: singular values within 1e-4 of 1 at
# the end of training; certificates use the exact bound anyway).
BJORCK_TOL = 1e-2


def make_activation(name):
    if name == "maxmin":
        return MaxMin()
    if name == "groupsort4":
        return GroupSort(4)
    if name == "fullsort":
        return FullSort()
    raise ValueError(f"activation must be one of {_ACTIVATIONS}; got {name!r}.")


def _check_width(width, activation):
    group = {"maxmin": 2, "groupsort4": 4}.get(activation, 1)
    if width % group:
        raise ValueError(f"hidden width {width} must be divisible by {group} for activation={activation!r}.")


def make_convolution(name, in_channels, out_channels):
    """The 3x3 Lipschitz convolution (padding 1) of the "cnn" architecture."""
    if name == "orthonormal":
        return OrthoConv2d(in_channels, out_channels, 3, padding=1, n_iter_grad=N_ITER_GRAD, tol=BJORCK_TOL)
    if name == "aol":
        return AOLConv2d(in_channels, out_channels, 3, padding=1)
    raise ValueError(f"convolution must be one of {_CONVOLUTIONS}; got {name!r}.")


def build_network(
    architecture,
    *,
    input_shape,
    n_outputs,
    hidden_layer_sizes,
    activation,
    head,
    lipschitz_constant,
    flat_image_shape=None,
    convolution="orthonormal",
):
    """Build a :class:`LipschitzSequential` for the estimators.

    Parameters
    ----------
    architecture : "mlp", "cnn" or callable(input_shape, n_outputs) -> nn.Module
    input_shape : tuple
        Shape of one sample as the network receives it.
    head : "orthonormal" or "per_class"
    flat_image_shape : tuple or None
        When samples arrive flat but the network is convolutional, the
        network starts with an ``Unflatten`` to this (C, H, W) shape.
    convolution : "orthonormal" or "aol"
        Convolution of the "cnn" blocks: :class:`OrthoConv2d` or :class:`AOLConv2d`.
    """
    layers = []
    if callable(architecture):
        body = architecture(tuple(input_shape), int(n_outputs))
        if not isinstance(body, nn.Module):
            raise ValueError("architecture(input_shape, n_outputs) must return a torch.nn.Module.")
        net = LipschitzSequential(body, lipschitz_constant=lipschitz_constant)
        # fail before training, not after: a container with its own forward
        # cannot be exported exactly, an unknown layer cannot be bounded, and
        # the per-class certificate needs the row norms of a last dense layer
        check_exportable(net)
        lipschitz_bound(net)
        if head == "per_class" and n_outputs > 1 and not isinstance(last_layer(net), nn.Linear):
            raise ValueError(
                "output_layer='per_class' with a callable architecture needs a network whose last layer "
                "is dense (e.g. FrobeniusLinear(..., disjoint_neurons=True)); the architecture ends with "
                f"{type(last_layer(net)).__name__}."
            )
        return net
    if architecture == "mlp":
        if len(input_shape) > 1:
            layers.append(nn.Flatten())
        width = int(np.prod(input_shape))
        for h in hidden_layer_sizes:
            _check_width(h, activation)
            layers += [
                OrthoLinear(width, h, n_iter_grad=N_ITER_GRAD, tol=BJORCK_TOL),
                make_activation(activation),
            ]
            width = h
    elif architecture == "cnn":
        shape = tuple(flat_image_shape) if flat_image_shape is not None else tuple(input_shape)
        if len(shape) != 3:
            raise ValueError(
                f"architecture='cnn' needs images (n, C, H, W) or flat inputs with image_shape=(C, H, W); "
                f"got sample shape {tuple(input_shape)}."
            )
        if flat_image_shape is not None:
            layers.append(nn.Unflatten(1, shape))
        c, h, w = shape
        for ch in hidden_layer_sizes:
            _check_width(ch, activation)
            layers += [make_convolution(convolution, c, ch), make_activation(activation)]
            c = ch
            if h >= 2 and w >= 2:
                layers.append(L2NormPool2d(2))
                h, w = h // 2, w // 2
        layers.append(nn.Flatten())
        width = c * h * w
    else:
        raise ValueError(f"architecture must be 'mlp', 'cnn' or a callable; got {architecture!r}.")
    if head == "per_class" and n_outputs > 1:
        layers.append(FrobeniusLinear(width, n_outputs, disjoint_neurons=True))
    elif head in ("orthonormal", "per_class"):
        layers.append(OrthoLinear(width, n_outputs, n_iter_grad=N_ITER_GRAD, tol=BJORCK_TOL))
    else:
        raise ValueError(f"output_layer must be 'orthonormal' or 'per_class'; got {head!r}.")
    return LipschitzSequential(*layers, lipschitz_constant=lipschitz_constant)
