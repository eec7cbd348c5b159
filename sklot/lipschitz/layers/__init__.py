"""Lipschitz layers, laid out like ``torch.nn``.

Constrained weights are torch parametrisations (spectral normalisation +
Björck); activations and pooling are gradient-norm preserving where possible.
"""

from ._aol import AOLConv2d, AOLWeight
from ._activation import FullSort, GroupSort, MaxMin, group_sort
from ._bjorck import bjorck_orthonormalize
from ._container import LipschitzSequential
from ._conv import OrthoConv2d, conv_lipschitz_factor
from ._conv_bounds import conv_gram_bound, conv_gram_matrix, conv_spectral_bound
from ._linear import OrthoLinear
from ._normalized_output import FrobeniusLinear
from ._parametrizations import FrobeniusWeight, OrthonormalWeight, reproject_
from ._pooling import L2NormPool2d, ScaledAvgPool2d
from ._spectral import power_iteration, spectral_normalize

__all__ = [
    "OrthoLinear",
    "OrthoConv2d",
    "AOLConv2d",
    "FrobeniusLinear",
    "GroupSort",
    "MaxMin",
    "FullSort",
    "group_sort",
    "ScaledAvgPool2d",
    "L2NormPool2d",
    "LipschitzSequential",
    "OrthonormalWeight",
    "FrobeniusWeight",
    "AOLWeight",
    "reproject_",
    "bjorck_orthonormalize",
    "spectral_normalize",
    "power_iteration",
    "conv_lipschitz_factor",
    "conv_gram_bound",
    "conv_gram_matrix",
    "conv_spectral_bound",
]
